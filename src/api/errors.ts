// HTTP errors: every failure becomes `{ error, message, fields? }` with the status a client
// expects; zinc's error classes are matched by their stable `name`, and nothing unexpected
// (no stack, no internal message) reaches the client.
import { BadRequestError, failureSpec } from '../failures.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** One bad field of a request: where (`body.concurrency`, `params.id`) and what is wrong. */
export interface FieldProblem {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: string;
  message: string;
  fields?: FieldProblem[];
}

/** Fastify's own request errors, reworded for people. */
function fastifyError(err: FastifyError, request: FastifyRequest): [number, ErrorBody] | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return [
        400,
        {
          error: 'bad_request',
          message:
            err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? 'the body is empty but Content-Type says application/json; send a JSON object or no Content-Type'
              : 'the body is not valid JSON',
          fields: [{ path: 'body', message: 'not valid JSON' }],
        },
      ];
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [
        413,
        {
          error: 'payload_too_large',
          message: `the body is over the limit of ${Math.round(request.routeOptions.bodyLimit / 1024)} KiB for JSON requests`,
        },
      ];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return [
        415,
        {
          error: 'unsupported_media_type',
          message: `this route does not read ${request.headers['content-type'] ?? 'bodies without a Content-Type'}; send application/json`,
        },
      ];
    default:
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return [err.statusCode, { error: 'bad_request', message: err.message }];
      }
      return undefined;
  }
}

/** Where a validation issue points: `body.concurrency`, `query.latest`, `params.id`. */
function fieldPath(context: string | undefined, instancePath: string): string {
  const where = context === 'querystring' ? 'query' : (context ?? 'request');
  const inner = instancePath.split('/').filter((p) => p !== '');
  return [where, ...inner].join('.');
}

/** The status and body of any error thrown while serving a request. */
export function errorResponse(err: unknown, request: FastifyRequest): [number, ErrorBody] {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const fields = err.validation.map((v) => ({
      path: fieldPath(err.validationContext, v.instancePath),
      message: v.message ?? 'invalid',
    }));
    return [
      400,
      {
        error: 'bad_request',
        message: `invalid request: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
        fields,
      },
    ];
  }
  const known = failureSpec((err as Error | undefined)?.name)?.http;
  if (known) {
    const body: ErrorBody = { error: known[1], message: (err as Error).message };
    if (err instanceof BadRequestError && err.fields) body.fields = err.fields;
    return [known[0], body];
  }
  const fromFastify = fastifyError(err as FastifyError, request);
  if (fromFastify) return fromFastify;
  return [
    500,
    {
      error: 'internal',
      message: `zinc could not answer this request (request ${request.id}); the server log has the details`,
    },
  ];
}

/** Sends an error: the JSON body, `WWW-Authenticate` on 401, and a closed connection after
 * a request whose body may not have been read to its end. */
export function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="zinc"');
  if (reply.request.method !== 'GET' && reply.request.method !== 'HEAD') {
    reply.header('connection', 'close');
  }
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
