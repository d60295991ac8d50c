// The hooks every request passes: the bearer token is checked before anything is read, errors
// become JSON, and each request to a state-changing route leaves one audit row (who, what,
// when, and the outcome: success, "refused <status> ..." or "error <status> ...") before its
// answer goes out. Refusals before a valid token is known are counted, and only a sample of them
// audited (unauthenticated.ts); rate limits are checked per address before the token is read, and
// per token after (rate-limit.ts).
import { isFailure, UnauthorizedError, type RateLimitedError } from '../failures.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZincLogger } from '../platform/logger.js';
import type { ApiContext, ZodApp } from './context.js';
import { errorResponse, sendError } from './errors.js';
import { limitPerAddress, limitPerToken } from './rate-limit.js';
import {
  createAuditSampler,
  unauthenticatedRequests,
  type AuditSampler,
} from './unauthenticated.js';

const BEARER = /^Bearer +([^\s]+) *$/i;
const MAX_AUDITED_URL = 300;

/** Checks the bearer token of every non-public route; 401 naming what is wrong. */
async function authenticate(ctx: ApiContext, request: FastifyRequest): Promise<void> {
  request.principal = null;
  request.zincAudit = {};
  if (request.routeOptions.url === undefined || request.routeOptions.config.public) return;
  // A CORS preflight (the codec endpoint's, for a Web UI) carries no credentials by design; the
  // CORS plugin answers it with headers only.
  if (request.method === 'OPTIONS') return;
  const header = request.headers.authorization;
  if ((header === undefined || header === '') && request.routeOptions.config.sessionCookie) return;
  if (header === undefined || header === '') {
    throw new UnauthorizedError(
      'no API token: send the header "Authorization: Bearer <token>" (zinc token create --user <id> makes one)',
    );
  }
  const match = BEARER.exec(header);
  if (!match) {
    throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  }
  try {
    const record = await ctx.tokens.verify(match[1]!);
    request.principal = { userId: record.userId, tokenId: record.id };
  } catch (err) {
    if (err instanceof UnauthorizedError && err.userId)
      request.zincAudit.refusedUserId = err.userId;
    throw err;
  }
}

/** The audit row of a request to a state-changing route, written before the answer is sent. */
async function auditRequest(
  ctx: ApiContext,
  sampler: AuditSampler,
  request: FastifyRequest,
  reply: FastifyReply,
  log: ApiLog,
): Promise<void> {
  const action = request.routeOptions.config?.audit;
  if (!action || request.routeOptions.url === undefined) return;
  const audit = request.zincAudit ?? {};
  const status = reply.statusCode;
  // Refused before zinc knew who asked: only a sample is kept (every one is counted).
  let sample: { seenFromAddressThisMinute: number } | undefined;
  if (!request.principal && status >= 400) {
    const decision = sampler.admit(request.ip);
    if (!decision.keep) return;
    sample = { seenFromAddressThisMinute: decision.seen };
  }
  const params = (request.params ?? {}) as Record<string, unknown>;
  const rawTarget = typeof params.id === 'string' ? params.id : '-';
  // A 4xx is a request zinc refused (it changed nothing); a 5xx one it failed to serve.
  const outcome =
    status < 400
      ? (audit.outcome ?? 'success')
      : `${status < 500 ? 'refused' : 'error'} ${status} ${audit.error?.code ?? ''}: ${audit.error?.message ?? ''}`.trim();
  try {
    await ctx.batches.audit({
      actor: request.principal?.userId ?? audit.refusedUserId ?? 'anonymous',
      action,
      target: (audit.target ?? rawTarget).slice(0, MAX_AUDITED_URL),
      outcome,
      courseId: audit.courseId ?? null,
      collectionId: audit.collectionId ?? null,
      details: {
        method: request.method,
        url: request.url.slice(0, MAX_AUDITED_URL),
        status,
        requestId: request.id,
        ...(request.principal ? { tokenId: request.principal.tokenId } : {}),
        ...(sample ? { address: request.ip, sample } : {}),
        ...(audit.details ?? {}),
      },
    });
  } catch (err) {
    // The answer still goes out; the operator learns from the log that a row is missing.
    log.error(
      { requestId: request.id, method: request.method, route: request.routeOptions.url, err },
      'API: could not write the audit row of a request',
    );
  }
}

/** Where the API writes what the operator must know (zinc's structured log). */
export type ApiLog = Pick<ZincLogger, 'error'>;

/** Installs authentication, error mapping, the 404 answer and auditing on `app`. */
export function installHooks(app: ZodApp, ctx: ApiContext, log: ApiLog): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('zincAudit', null as never);
  const sampler = createAuditSampler(ctx.config.api.audit_unauthenticated);
  limitPerAddress(app, ctx.config.api.rate_limit);
  app.addHook('onRequest', async (request) => authenticate(ctx, request));
  limitPerToken(app, ctx.config.api.rate_limit);

  app.setErrorHandler((err, request, reply) => {
    const [status, body] = errorResponse(err, request);
    if (status >= 500 && body.error === 'internal') {
      log.error(
        { requestId: request.id, method: request.method, route: request.routeOptions.url, err },
        'API request failed',
      );
    }
    if (status === 401 || (status === 429 && !request.principal)) {
      unauthenticatedRequests.inc({ status: String(status) });
    }
    if (isFailure(err, 'RateLimited')) {
      reply.header('retry-after', String((err as unknown as RateLimitedError).retryAfterSecs));
    }
    request.zincAudit ??= {};
    request.zincAudit.error = { status, code: body.error, message: body.message };
    return sendError(reply, status, body);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, {
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]!.slice(0, MAX_AUDITED_URL)}; the OpenAPI document at /api/openapi.json lists every route`,
    }),
  );

  app.addHook('onSend', async (request, reply, payload) => {
    await auditRequest(ctx, sampler, request, reply, log);
    return payload;
  });
}
