// Object storage: one interface, a directory on disk (embedded default) and S3 (production).

/** A key that is not in the object store; `name` is the stable type matched across processes. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFound';
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
  }
}

/** A key segment or relative path that could escape its prefix, or is otherwise unsafe. */
export class UnsafeKeyError extends Error {
  override readonly name = 'UnsafeKey';
}

/** The storage was unreachable or failed; infrastructure, so callers retry. */
export class ObjectStoreUnavailableError extends Error {
  override readonly name = 'ObjectStoreUnavailable';
}

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
