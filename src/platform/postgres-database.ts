// The production database: a PostgreSQL server through a `pg` connection pool.
import { DatabaseUnavailableError } from '../failures.js';
import pg from 'pg';
import type { PoolClient, QueryResult as PgQueryResult } from 'pg';
import type { Database, Queryable, QueryResult } from './database.js';

export interface PostgresOptions {
  /** Most connections this process holds (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before the database counts as down (default 5000 ms). */
  connectTimeoutMs?: number;
  /** What the server is, in error messages (default `PostgreSQL at host:port/database`). */
  describe?: string;
}

// Socket errors and SQLSTATEs that mean the server is unreachable or going away, not that
// the statement was wrong: 08xxx connection exceptions, shutdowns (57P01-57P03), no free slot.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EADDRNOTAVAIL',
]);
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error and is not queryable/i,
  /client was closed and is not queryable/i,
  /server closed the connection unexpectedly/i,
];

/** Whether `err` says the server could not be reached or dropped the connection. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) {
      return true;
    }
  }
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(err.message));
}

function describeCause(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return err.errors.map(describeCause).join('; ');
  }
  if (err instanceof Error) {
    const raw = (err as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : undefined;
    const message = err.message || code || err.name;
    return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(err);
}

/** `host:port` (or the socket folder) of a connection URL; never its user or password. */
export function describeEndpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(unparseable DATABASE_URL)';
  }
  const host = parsed.searchParams.get('host') ?? (parsed.hostname || 'localhost');
  const port = parsed.searchParams.get('port') ?? (parsed.port || '5432');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return `${host}:${port}${database ? `/${database}` : ''}`;
}

/** Turns connection failures into DatabaseUnavailableError; other errors pass unchanged. */
function mapError(err: unknown, server: string): unknown {
  if (err instanceof DatabaseUnavailableError || !isConnectionError(err)) return err;
  return new DatabaseUnavailableError(`${server} is unavailable: ${describeCause(err)}`, {
    cause: err,
  });
}

// int8 comes back as a number when it fits and a bigint when it does not, as PGlite does, so
// counts and sizes have the same JavaScript type on both engines (pg alone returns strings).
function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : value;
}

const INT8_OID = 20;

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
};

function toResult<R>(result: PgQueryResult | PgQueryResult[]): QueryResult<R> {
  // Several statements in one parameterless text give one result each; keep the last, as PGlite.
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  if (!last) return { rows: [], rowCount: 0 };
  return { rows: last.rows as R[], rowCount: last.rowCount ?? last.rows.length };
}

/**
 * Connects to PostgreSQL at `url` and checks the connection once, so a wrong address or a
 * server that is down fails here, within the connect timeout, as DatabaseUnavailableError.
 */
export async function openPostgresDatabase(
  url: string,
  options: PostgresOptions = {},
): Promise<Database> {
  const endpoint = options.describe ?? `PostgreSQL at ${describeEndpoint(url)}`;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: typeParsers,
  });
  // An idle connection that the server drops emits 'error' on the pool; without a listener
  // Node would crash the process. The pool discards that connection; the next query reports.
  pool.on('error', () => undefined);

  const run = async <R>(
    runner: Pick<PoolClient, 'query'>,
    sql: string,
    params?: unknown[],
  ): Promise<QueryResult<R>> => {
    try {
      // No parameters: the simple protocol, so a script of several statements runs.
      const result = await (params === undefined || params.length === 0
        ? runner.query(sql)
        : runner.query(sql, params));
      return toResult<R>(result as PgQueryResult | PgQueryResult[]);
    } catch (err) {
      throw mapError(err, endpoint);
    }
  };

  const transaction = async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw mapError(err, endpoint);
    }
    let broken: Error | undefined;
    // A checked-out connection has no listener of the pool's: if the server ends it while
    // `fn` awaits something else, 'error' would be emitted with none and crash the process.
    // Keep the error instead; the next statement fails, and the connection is destroyed.
    const onLost = (err: Error): void => {
      broken ??= err;
    };
    client.on('error', onLost);
    try {
      await run(client, 'BEGIN');
      const result = await fn({
        query: <R>(sql: string, params?: unknown[]) => run<R>(client, sql, params),
      });
      await run(client, 'COMMIT');
      return result;
    } catch (err) {
      if (isConnectionError(err)) {
        broken = err as Error;
      } else {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr as Error;
        }
      }
      throw mapError(err, endpoint);
    } finally {
      // A connection that failed is destroyed rather than handed to the next caller.
      client.release(broken);
      client.removeListener('error', onLost);
    }
  };

  const db: Database = {
    kind: 'postgres',
    query: <R>(sql: string, params?: unknown[]) => run<R>(pool, sql, params),
    transaction,
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
  try {
    await db.query('SELECT 1');
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
