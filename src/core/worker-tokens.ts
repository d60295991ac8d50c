// Worker tokens: the credential of a worker that fetches its configuration from the core. Like
// API tokens they are random bearer secrets shown once, kept as sha256; unlike them they act for
// a component, not a user, and open only the configuration service (never the HTTP API).
import { InvalidTokenRequestError, UnauthorizedError } from '../failures.js';
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../platform/database.js';
import { newId } from '../platform/ids.js';
import { hashToken } from './auth-tokens.js';
import { isWorkerComponent, type WorkerComponent } from './config-service/access.js';

/** Every worker token starts with this (API tokens with `zinc_`), so each is told apart at sight. */
export const WORKER_TOKEN_PREFIX = 'zincw_';
const WORKER_TOKEN_PATTERN = /^zincw_[A-Za-z0-9_-]{43}$/;

/** Whether `token` has the shape of a worker token (not whether it is valid). */
export function looksLikeWorkerToken(token: string): boolean {
  return WORKER_TOKEN_PATTERN.test(token);
}

/** What is stored of a worker token (never the token itself). */
export interface WorkerTokenRecord {
  id: string;
  component: WorkerComponent;
  description: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

interface WorkerTokenRow {
  id: string;
  component: WorkerComponent;
  description: string | null;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
}

const COLUMNS = 'id, component, description, created_at, expires_at, revoked_at';

const iso = (v: Date | string | null): string | null =>
  v === null ? null : new Date(v).toISOString();

const toRecord = (row: WorkerTokenRow): WorkerTokenRecord => ({
  id: row.id,
  component: row.component,
  description: row.description,
  createdAt: iso(row.created_at)!,
  expiresAt: iso(row.expires_at),
  revokedAt: iso(row.revoked_at),
});

/** The worker token store over a database; `now` is the clock expiry is checked against. */
export function createWorkerTokenStore(db: Queryable, now: () => Date = () => new Date()) {
  return {
    /** Makes a token for `component`; the returned `token` is the only copy there will ever be. */
    async create(input: {
      component: string;
      expiresAt?: Date | null;
      description?: string;
    }): Promise<WorkerTokenRecord & { token: string }> {
      if (!isWorkerComponent(input.component)) {
        throw new InvalidTokenRequestError(
          `there is no component "${input.component}" (expected core, submission or pipeline)`,
        );
      }
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt !== null && !(expiresAt.getTime() > now().getTime())) {
        throw new InvalidTokenRequestError(
          `the expiry ${expiresAt.toISOString()} is not in the future`,
        );
      }
      const token = WORKER_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const { rows } = await db.query<WorkerTokenRow>(
        `INSERT INTO worker_tokens (id, token_hash, component, description, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [newId('wtk'), hashToken(token), input.component, input.description ?? null, expiresAt],
      );
      return { ...toRecord(rows[0]!), token };
    },

    /** The token's record if a worker may use it now; UnauthorizedError naming why not otherwise. */
    async verify(token: string): Promise<WorkerTokenRecord> {
      if (!looksLikeWorkerToken(token)) {
        throw new UnauthorizedError(
          token.startsWith('zinc_')
            ? 'an API token is not a worker token: make one with zinc token create --worker <component>'
            : `the bearer token is not a zinc worker token (expected ${WORKER_TOKEN_PREFIX} and 43 characters)`,
        );
      }
      const { rows } = await db.query<WorkerTokenRow>(
        `SELECT ${COLUMNS} FROM worker_tokens WHERE token_hash = $1`,
        [hashToken(token)],
      );
      const row = rows[0];
      if (!row) throw new UnauthorizedError('the worker token is not known to zinc');
      const record = toRecord(row);
      if (record.revokedAt !== null) {
        throw new UnauthorizedError(`worker token ${record.id} was revoked at ${record.revokedAt}`);
      }
      if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now().getTime()) {
        throw new UnauthorizedError(`worker token ${record.id} expired at ${record.expiresAt}`);
      }
      return record;
    },

    /** Revokes a token by its ID; false when there is no such token (or it was revoked). */
    async revoke(id: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'UPDATE worker_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
        [id],
      );
      return rowCount > 0;
    },

    /** Worker tokens (never their secrets), newest first; of one component when given. */
    async list(component?: string): Promise<WorkerTokenRecord[]> {
      const { rows } = await db.query<WorkerTokenRow>(
        `SELECT ${COLUMNS} FROM worker_tokens
          WHERE $1::text IS NULL OR component = $1 ORDER BY created_at DESC, id`,
        [component ?? null],
      );
      return rows.map(toRecord);
    },
  };
}

export type WorkerTokenStore = ReturnType<typeof createWorkerTokenStore>;
