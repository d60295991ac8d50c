// Last-moment cleanups that must run however the process ends under Node's control
// (process.exit on a second Ctrl-C, an uncaught error): kill a child, remove a lock file.
// Each must be synchronous; one 'exit' listener serves them all.

const cleanups = new Set<() => void>();

function runAll(): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // the process is ending: the next cleanup still gets its turn
    }
  }
  cleanups.clear();
}

/** Runs `cleanup` (synchronous) when the process exits; returns the function that cancels it. */
export function onExit(cleanup: () => void): () => void {
  if (cleanups.size === 0) process.on('exit', runAll);
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) process.off('exit', runAll);
  };
}
