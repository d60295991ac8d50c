// Web app sessions: a browser signs in with an API token once and gets a random session secret
// (its cookie). The database keeps the secret's sha256, never the secret; the CSRF token of a
// session is derived from the secret, so it needs no storage and cannot be read from the table.
import { UnauthorizedError } from '../failures.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../platform/database.js';
import type { TokenStore } from './auth-tokens.js';

/** How long a session lasts after sign-in (never past the expiry of its token). */
export const SESSION_HOURS = 12;

/** A live session: who it acts for and with which token. */
export interface WebSession {
  userId: string;
  tokenId: string;
  expiresAt: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The CSRF token of the session whose secret is `secret` (sent in forms and a header). */
export function csrfTokenOf(secret: string): string {
  return sha256(`zinc-csrf\0${secret}`);
}

/** Whether `given` is the CSRF token of the session `secret` (compared in constant time). */
export function csrfMatches(secret: string, given: string | undefined): boolean {
  if (typeof given !== 'string' || given.length !== 64) return false;
  return timingSafeEqual(Buffer.from(csrfTokenOf(secret)), Buffer.from(given));
}

interface SessionRow {
  user_id: string;
  token_id: string;
  expires_at: Date | string;
}

/** The session store over the core database; `tokens` checks the token a session rests on. */
export function createWebSessionStore(
  db: Queryable,
  tokens: TokenStore,
  now: () => Date = () => new Date(),
) {
  return {
    /** Signs in with an API token: a new session and its secret (the only copy, for the cookie). */
    async open(token: string): Promise<WebSession & { secret: string }> {
      const record = await tokens.verify(token); // UnauthorizedError naming why not
      const limit = now().getTime() + SESSION_HOURS * 3_600_000;
      const expires = new Date(
        record.expiresAt ? Math.min(limit, Date.parse(record.expiresAt)) : limit,
      );
      const secret = randomBytes(32).toString('base64url');
      await db.query(
        `INSERT INTO web_sessions (session_hash, user_id, token_id, expires_at)
         VALUES ($1, $2, $3, $4)`,
        [sha256(secret), record.userId, record.id, expires],
      );
      // Expired sessions are swept as new ones open; nothing else needs them.
      await db.query('DELETE FROM web_sessions WHERE expires_at < $1', [now()]);
      return {
        userId: record.userId,
        tokenId: record.id,
        expiresAt: expires.toISOString(),
        secret,
      };
    },

    /** The session of a cookie's secret; UnauthorizedError when it is unknown, over or revoked. */
    async verify(secret: string): Promise<WebSession> {
      if (!SECRET_PATTERN.test(secret))
        throw new UnauthorizedError('the session cookie is malformed');
      const { rows } = await db.query<SessionRow>(
        `SELECT s.user_id, s.token_id, s.expires_at FROM web_sessions s
          JOIN api_tokens t ON t.id = s.token_id
          WHERE s.session_hash = $1 AND t.revoked_at IS NULL`,
        [sha256(secret)],
      );
      const row = rows[0];
      if (!row)
        throw new UnauthorizedError(
          'the session is not known (signed out, or its token was revoked)',
        );
      const expiresAt = new Date(row.expires_at);
      if (expiresAt.getTime() <= now().getTime()) {
        throw new UnauthorizedError(
          `the session expired at ${expiresAt.toISOString()}`,
          row.user_id,
        );
      }
      return { userId: row.user_id, tokenId: row.token_id, expiresAt: expiresAt.toISOString() };
    },

    /** Ends the session of `secret` (sign out); false when there was none. */
    async close(secret: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM web_sessions WHERE session_hash = $1', [
        sha256(secret),
      ]);
      return rowCount > 0;
    },
  };
}

export type WebSessionStore = ReturnType<typeof createWebSessionStore>;
