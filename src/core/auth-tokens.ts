// API tokens: random bearer secrets shown once; the database keeps only their sha256, who they
// act for, and when they expire or were revoked.
import { InvalidTokenRequestError, UnauthorizedError } from '../failures.js';
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../platform/database.js';
import { newId } from '../platform/ids.js';

/** Every zinc API token starts with this, so leaked tokens are easy to find and recognise. */
export const TOKEN_PREFIX = 'zinc_';
const TOKEN_PATTERN = /^zinc_[A-Za-z0-9_-]{43}$/;

/** What is stored of a token (never the token itself). */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  description: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

interface TokenRow {
  id: string;
  user_id: string;
  description: string | null;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null =>
  v === null ? null : new Date(v).toISOString();

const toRecord = (row: TokenRow): ApiTokenRecord => ({
  id: row.id,
  userId: row.user_id,
  description: row.description,
  createdAt: iso(row.created_at)!,
  expiresAt: iso(row.expires_at),
  revokedAt: iso(row.revoked_at),
});

/** The sha256 of a token, lowercase hex: what the database stores and looks tokens up by. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token store over a database; `now` is the clock expiry is checked against. */
export function createTokenStore(db: Queryable, now: () => Date = () => new Date()) {
  return {
    /** Makes a token for `userId`; the returned `token` is the only copy there will ever be. */
    async create(input: {
      userId: string;
      expiresAt?: Date | null;
      description?: string;
    }): Promise<ApiTokenRecord & { token: string }> {
      const userId = input.userId.trim();
      if (userId === '') throw new InvalidTokenRequestError('a token needs a user ID');
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt !== null && !(expiresAt.getTime() > now().getTime())) {
        throw new InvalidTokenRequestError(
          `the expiry ${expiresAt.toISOString()} is not in the future`,
        );
      }
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const { rows } = await db.query<TokenRow>(
        `INSERT INTO api_tokens (id, token_hash, user_id, description, expires_at)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id, user_id, description, created_at, expires_at, revoked_at`,
        [newId('tok'), hashToken(token), userId, input.description ?? null, expiresAt],
      );
      return { ...toRecord(rows[0]!), token };
    },

    /** The token's record if it may be used now; UnauthorizedError naming why not otherwise. */
    async verify(token: string): Promise<ApiTokenRecord> {
      if (!TOKEN_PATTERN.test(token)) {
        throw new UnauthorizedError(
          token.startsWith('zincw_')
            ? 'a worker token opens only the configuration service, not the HTTP API'
            : `the bearer token is not a zinc API token (expected ${TOKEN_PREFIX} and 43 characters)`,
        );
      }
      const { rows } = await db.query<TokenRow>(
        `SELECT id, user_id, description, created_at, expires_at, revoked_at
           FROM api_tokens WHERE token_hash = $1`,
        [hashToken(token)],
      );
      const row = rows[0];
      if (!row) throw new UnauthorizedError('the bearer token is not known to zinc');
      const record = toRecord(row);
      if (record.revokedAt !== null) {
        throw new UnauthorizedError(
          `token ${record.id} was revoked at ${record.revokedAt}`,
          record.userId,
        );
      }
      if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now().getTime()) {
        throw new UnauthorizedError(
          `token ${record.id} expired at ${record.expiresAt}`,
          record.userId,
        );
      }
      return record;
    },

    /** Revokes a token by its ID; false when there is no such token (or it was revoked). */
    async revoke(id: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
        [id],
      );
      return rowCount > 0;
    },

    /** Tokens (never their secrets), newest first; of one user when given. */
    async list(userId?: string): Promise<ApiTokenRecord[]> {
      const { rows } = await db.query<TokenRow>(
        `SELECT id, user_id, description, created_at, expires_at, revoked_at FROM api_tokens
          WHERE $1::text IS NULL OR user_id = $1 ORDER BY created_at DESC, id`,
        [userId ?? null],
      );
      return rows.map(toRecord);
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;
