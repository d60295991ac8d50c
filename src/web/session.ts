// The web app's session handling: the cookie (HttpOnly, SameSite=Strict, Secure over HTTPS), the
// check of every page's session, and the CSRF check of every unsafe request (the session's token
// in a form field or the X-CSRF-Token header, and an Origin, when sent, that is zinc's own).
import { ForbiddenError, UnauthorizedError } from '../failures.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfMatches, csrfTokenOf, type WebSessionStore } from '../core/web-sessions.js';

export const SESSION_COOKIE = 'zinc_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The web session's secret (from its cookie), once the session is checked. */
    webSecret: string | null;
  }
  interface FastifyContextConfig {
    /** A web app route (cookie session instead of a bearer token). */
    web?: boolean;
    /** A web route served without a session (the sign-in page, the assets). */
    anonymous?: boolean;
  }
}

/** The value of cookie `name` in a Cookie header, if any. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Sets the session cookie (or clears it, given null). */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string | null,
  maxAgeSecs = 0,
): void {
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (request.protocol === 'https') attrs.push('Secure');
  reply.header(
    'set-cookie',
    secret === null
      ? `${SESSION_COOKIE}=; Max-Age=0; ${attrs.join('; ')}`
      : `${SESSION_COOKIE}=${secret}; Max-Age=${maxAgeSecs}; ${attrs.join('; ')}`,
  );
}

/** The CSRF token pages embed for the current session. */
export function csrfOf(request: FastifyRequest): string {
  return request.webSecret ? csrfTokenOf(request.webSecret) : '';
}

/** Whether an unsafe request's Origin (when the browser sent one) is this server's own. */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return origin === `${request.protocol}://${request.headers.host ?? ''}`;
}

/**
 * Checks the session of a web request (an onRequest hook): sets `principal` as the API's bearer
 * check does, so the same access rules and audit rows apply, or throws UnauthorizedError.
 */
export async function checkWebSession(
  sessions: WebSessionStore,
  request: FastifyRequest,
): Promise<void> {
  request.webSecret = null;
  const secret = cookieValue(request.headers.cookie, SESSION_COOKIE);
  if (request.routeOptions.config.anonymous) {
    if (secret) {
      try {
        const session = await sessions.verify(secret);
        request.principal = { userId: session.userId, tokenId: session.tokenId };
        request.webSecret = secret;
      } catch {
        // An old cookie on the sign-in page: sign in again.
      }
    }
    return;
  }
  if (!secret) throw new UnauthorizedError('sign in first: no session');
  const session = await sessions.verify(secret);
  request.principal = { userId: session.userId, tokenId: session.tokenId };
  request.webSecret = secret;
}

/**
 * Checks an unsafe request (a preHandler hook, after the form is parsed): an Origin, when sent,
 * that is zinc's own, and the session's CSRF token in the X-CSRF-Token header or the _csrf field.
 */
export function checkCsrf(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (!sameOrigin(request)) {
    throw new ForbiddenError(
      `a page of another site (${request.headers.origin}) may not post to zinc`,
    );
  }
  if (request.routeOptions.config.anonymous) return; // sign-in: no session yet
  const header = request.headers['x-csrf-token'];
  const field = (request.body as { _csrf?: unknown } | null | undefined)?._csrf;
  const given = typeof header === 'string' ? header : typeof field === 'string' ? field : undefined;
  if (!request.webSecret || !csrfMatches(request.webSecret, given)) {
    throw new ForbiddenError('the form has no valid CSRF token (reload the page and try again)');
  }
}
