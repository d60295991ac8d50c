// Object storage: one interface, a directory on disk (embedded default) and S3 (production).

export interface ObjectStore {
  /** Stores `body` under `key`, replacing what was there; atomic for readers. */
  put(key: string, body: Uint8Array | string, options?: { contentType?: string }): Promise<void>;
  /** The bytes under `key`; ObjectNotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Removes `key`; no error when it is absent. */
  delete(key: string): Promise<void>;
  /** Every key under `prefix` (a folder-like prefix ending in '/'), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes every key under `prefix`; returns how many were removed. */
  deletePrefix(prefix: string): Promise<number>;
  close(): Promise<void>;
}
