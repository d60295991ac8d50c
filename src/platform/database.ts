// The database: PostgreSQL through `DATABASE_URL`, or PGlite in the data dir; the same SQL on both.

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  /**
   * Runs one parameterised statement ($1, $2...). Without parameters the text may hold several
   * statements (a migration script); the last one's result is returned. int8 comes back as a
   * number (a bigint beyond 2^53), timestamptz as a Date, json/jsonb parsed, on both engines.
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
