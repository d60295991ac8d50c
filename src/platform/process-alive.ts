// Whether a process still runs: what lock and state files of zinc's processes are checked with.

/** True while `pid` runs (a process of another user counts: signalling it is refused, not absent). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
