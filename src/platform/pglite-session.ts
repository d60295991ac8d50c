// PGlite is one PostgreSQL session. Everything that uses it (this process's own queries and
// every wire-protocol client of the socket server) takes turns through one FIFO lock, held for
// a whole exchange: a statement, an extended-protocol batch up to its Sync, or a transaction up
// to its COMMIT or ROLLBACK. So transactions and unnamed prepared statements never interleave.
import type { PGlite } from '@electric-sql/pglite';

/** A FIFO mutex over the PGlite session. */
export interface SessionLock {
  /** Waits for the session; resolves with the function that releases it (idempotent). */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Runs `fn` holding the session. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** How many are waiting for the session. */
  readonly waiting: number;
}

/** Creates the lock that serialises every user of one PGlite instance. */
export function createSessionLock(): SessionLock {
  let held = false;
  const queue: Array<{ grant: () => void }> = [];

  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) next.grant();
      else held = false;
    };
  };

  const acquire = (signal?: AbortSignal): Promise<() => void> => {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (!held) {
      held = true;
      return Promise.resolve(releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(releaser());
        },
      };
      const onAbort = (): void => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  };

  return {
    acquire,
    async run<T>(fn: () => Promise<T>): Promise<T> {
      const release = await acquire();
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get waiting() {
      return queue.length;
    },
  };
}

/**
 * The contract `PGLiteSocketHandler` (from @electric-sql/pglite-socket) calls for each frontend
 * message of a connection, one message at a time per connection.
 */
export interface WireScheduler {
  enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
  getQueueLength(): number;
}

// Frontend message types after which the backend answers ReadyForQuery: Sync, simple Query,
// FunctionCall, and the startup message (no type byte: its length's first byte, 0).
const SYNC = 0x53;
const QUERY = 0x51;
const FUNCTION_CALL = 0x46;
const STARTUP = 0x00;
const TERMINATE = 0x58;

function message(type: number, body: Uint8Array = new Uint8Array()): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type;
  new DataView(out.buffer).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

// ROLLBACK as a simple query ends an explicit block or an unsynced implicit transaction; the
// Sync after it ends an extended-protocol batch that failed (the backend skips to the Sync).
const RESET = [message(QUERY, new TextEncoder().encode('ROLLBACK\0')), message(SYNC)];

/**
 * Schedules wire-protocol clients on the PGlite session. The library's own queue
 * (pglite-socket 0.2.17) keeps a connection on the session only while a transaction block is
 * open, so two clients' Parse/Bind/Execute batches interleave and bind each other's statements
 * (electric-sql/pglite#1046); this one keeps the session until the connection is idle again.
 */
export function createWireScheduler(pg: PGlite, lock: SessionLock): WireScheduler {
  const owners = new Map<number, () => void>();
  const waiting = new Map<number, AbortController>();

  const execute = (bytes: Uint8Array, onData: (data: Uint8Array) => void): Promise<void> =>
    pg.runExclusive(() => pg.execProtocolRawStream(bytes, { onRawData: onData }));

  /** Rolls back what a connection left open and gives the session up. */
  const reset = async (handlerId: number): Promise<void> => {
    const release = owners.get(handlerId);
    if (!release) return;
    owners.delete(handlerId);
    try {
      for (const bytes of RESET) await execute(bytes, () => undefined);
    } finally {
      release();
    }
  };

  return {
    async enqueue(handlerId, bytes, onData) {
      if (bytes[0] === TERMINATE) {
        // The client is leaving; a real backend would exit and so abort what it left open.
        await reset(handlerId);
        return 0;
      }
      let release = owners.get(handlerId);
      if (!release) {
        const controller = new AbortController();
        waiting.set(handlerId, controller);
        try {
          release = await lock.acquire(controller.signal);
        } finally {
          waiting.delete(handlerId);
        }
        owners.set(handlerId, release);
      }
      let size = 0;
      try {
        await execute(bytes, (data) => {
          size += data.length;
          onData(data);
        });
      } catch (err) {
        await reset(handlerId);
        throw err;
      }
      const type = bytes[0];
      const exchangeOver =
        type === SYNC || type === QUERY || type === FUNCTION_CALL || type === STARTUP;
      // Still the owner (a disconnect may have reset it meanwhile) and idle: let the next one in.
      if (exchangeOver && owners.get(handlerId) === release && !pg.isInTransaction()) {
        owners.delete(handlerId);
        release();
      }
      return size;
    },
    clearQueueForHandler(handlerId) {
      waiting.get(handlerId)?.abort(new Error('the client disconnected'));
    },
    clearTransactionIfNeeded: (handlerId) => reset(handlerId),
    getQueueLength: () => lock.waiting,
  };
}
