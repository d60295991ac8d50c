// The hooks every request passes: the bearer token is checked before anything is read, errors
// become JSON, and each request to a state-changing route leaves one audit row (who, what,
// when, and the outcome: success, "refused <status> ..." or "error <status> ...") before its
// answer goes out.
import { UnauthorizedError } from '../failures.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZincLogger } from '../platform/logger.js';
import type { ApiContext, ZodApp } from './context.js';
import { errorResponse, sendError } from './errors.js';

const BEARER = /^Bearer +([^\s]+) *$/i;
const MAX_AUDITED_URL = 300;

/** Checks the bearer token of every non-public route; 401 naming what is wrong. */
async function authenticate(ctx: ApiContext, request: FastifyRequest): Promise<void> {
  request.principal = null;
  request.zincAudit = {};
  if (request.routeOptions.url === undefined || request.routeOptions.config.public) return;
  const header = request.headers.authorization;
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
  request: FastifyRequest,
  reply: FastifyReply,
  log: ApiLog,
): Promise<void> {
  const action = request.routeOptions.config?.audit;
  if (!action || request.routeOptions.url === undefined) return;
  const audit = request.zincAudit ?? {};
  const status = reply.statusCode;
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
  app.addHook('onRequest', async (request) => authenticate(ctx, request));

  app.setErrorHandler((err, request, reply) => {
    const [status, body] = errorResponse(err, request);
    if (status >= 500 && body.error === 'internal') {
      log.error(
        { requestId: request.id, method: request.method, route: request.routeOptions.url, err },
        'API request failed',
      );
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
    await auditRequest(ctx, request, reply, log);
    return payload;
  });
}
