// Serves an open PGlite over the PostgreSQL wire protocol on a unix socket, so other zinc
// processes on the same data dir use the embedded database through `pg` while this one holds it.
// The socket lives in a folder only this user may enter (0700): no other local user can connect,
// and PGlite asks for no password.
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';
import type { PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { onExit } from './exit-cleanup.js';
import { createWireScheduler, type SessionLock } from './pglite-session.js';

/** The port in the socket's name (`.s.PGSQL.<port>`), as `pg` builds it from host and port. */
export const SOCKET_PORT = 5432;

/** What a serving process writes for the others: who serves, and where. */
export interface PgliteServerState {
  pid: number;
  /** The folder holding the socket `.s.PGSQL.5432` (the `host` of a `pg` connection). */
  socketDir: string;
  port: number;
}

export interface PgliteServerOptions {
  /** The preferred socket folder (the data dir's); a private temp folder when its path is too long. */
  socketDir: string;
  /** Where to write PgliteServerState while serving. */
  stateFile: string;
}

export interface PgliteServer {
  readonly state: PgliteServerState;
  /** Stops accepting, rolls back and closes every client connection, removes socket and state. */
  close(): Promise<void>;
}

// sun_path holds 108 bytes on Linux and 104 on macOS, the final NUL included.
const MAX_SOCKET_PATH = 103;

function socketFolder(preferred: string): string {
  if (join(preferred, `.s.PGSQL.${SOCKET_PORT}`).length <= MAX_SOCKET_PATH) {
    mkdirSync(preferred, { recursive: true, mode: 0o700 });
    chmodSync(preferred, 0o700); // an existing folder, or a umask, may have left it open
    return preferred;
  }
  return mkdtempSync(join(tmpdir(), 'zinc-db-')); // mode 0700
}

/** Writes `file` whole or not at all, readable by this user only. */
function writeStateFile(file: string, state: PgliteServerState): void {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
}

/**
 * Serves `pg` on a unix socket. Connections are handled by pglite-socket's PGLiteSocketHandler
 * (message framing, SSL and cancel requests) and scheduled by createWireScheduler on `lock`, the
 * lock this process's own queries take too.
 */
export async function servePglite(
  pg: PGlite,
  lock: SessionLock,
  options: PgliteServerOptions,
): Promise<PgliteServer> {
  const socketDir = socketFolder(options.socketDir);
  const socketPath = join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  rmSync(socketPath, { force: true }); // left by a process that died: the caller holds the lock
  // The library's handler takes its own queue class; ours keeps the same methods (see
  // createWireScheduler for why it replaces the library's).
  const queryQueue = createWireScheduler(
    pg,
    lock,
  ) as unknown as PGLiteSocketHandlerOptions['queryQueue'];
  const handlers = new Set<PGLiteSocketHandler>();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const handler = new PGLiteSocketHandler({ queryQueue, closeOnDetach: true });
    handlers.add(handler);
    handler.addEventListener('close', () => handlers.delete(handler));
    handler.addEventListener('error', () => handlers.delete(handler));
    handler.attach(socket).catch(() => socket.destroy());
  });
  const removeFiles = (): void => {
    rmSync(options.stateFile, { force: true });
    rmSync(socketPath, { force: true });
    rmSync(socketDir, { recursive: true, force: true }); // made for this server, holds nothing else
  };
  const cancelExitCleanup = onExit(removeFiles);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(socketPath, 0o600);
  } catch (err) {
    cancelExitCleanup();
    removeFiles();
    throw new Error(
      `cannot serve the embedded database on ${socketPath}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const state: PgliteServerState = { pid: process.pid, socketDir: socketDir, port: SOCKET_PORT };
  writeStateFile(options.stateFile, state);

  let closing: Promise<void> | undefined;
  return {
    state,
    close() {
      closing ??= (async () => {
        rmSync(options.stateFile, { force: true }); // no one new looks here from now on
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // detach() rolls back what a client left open, then closes its socket.
        await Promise.allSettled([...handlers].map((handler) => handler.detach(true)));
        for (const socket of sockets) socket.destroy();
        await closed;
        removeFiles();
        cancelExitCleanup();
      })();
      return closing;
    },
  };
}
