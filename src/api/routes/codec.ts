// POST /api/codec/encode and /api/codec/decode: the codec server of Temporal's Web UI and CLI
// (`temporal workflow show --codec-endpoint <api>/api/codec --codec-auth "Bearer <token>"`).
// Served only when payloads are encrypted (temporal.encryption). Decoding shows student data,
// so it takes a staff token; the origins of the Web UIs that may call it from a browser are
// api.codec.cors_origins (plus the embedded dev server's, added by `zinc up`).
// A Web UI user signed in to zinc's web app needs no token: with the UI's "include cross-origin
// credentials" codec setting the browser sends zinc's session cookie, which authorizes a request
// from one of those origins (Access-Control-Allow-Credentials is answered to them alone; a cookie
// sent from any other page is refused, so no other site can use a signed-in browser).
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../../failures.js';
import fastifyCors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf, type ApiContext, type ZodApp } from '../context.js';
import { errorResponses, SECURITY } from '../schemas.js';
import { cookieValue, SESSION_COOKIE } from '../../web/session.js';
import type { FastifyRequest } from 'fastify';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

const payloadSchema = z.object({
  metadata: z.record(z.string(), base64).optional(),
  data: base64.optional(),
});

const payloadsSchema = z.object({ payloads: z.array(payloadSchema).max(10_000) });

type JsonPayload = z.infer<typeof payloadSchema>;

/** The largest request body: a page of history's payloads. */
const BODY_LIMIT = 16 * 1024 * 1024;

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

/** Registers the codec routes under /api/codec (with CORS for the given origins). */
export async function registerCodecRoutes(
  app: ZodApp,
  ctx: ApiContext,
  codec: PayloadCodec,
  corsOrigins: readonly string[],
): Promise<void> {
  await app.register(
    async (scope) => {
      await scope.register(fastifyCors, {
        delegator: (request, answer) =>
          answer(null, {
            origin: [...corsOrigins],
            methods: ['POST'],
            allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
            credentials: allowedOrigin(request),
            maxAge: 600,
          }),
      });
      // After the API's bearer check, which leaves a request without a token to this one.
      scope.addHook('onRequest', async (request) => {
        if (request.method === 'OPTIONS' || request.principal) return;
        await authenticateBySession(request);
      });
      const routes = scope.withTypeProvider<ZodTypeProvider>();
      for (const direction of ['encode', 'decode'] as const) {
        routes.post(
          `/${direction}`,
          {
            config: { sessionCookie: true },
            bodyLimit: BODY_LIMIT,
            schema: {
              summary:
                direction === 'decode'
                  ? 'Decrypt payloads (the Temporal Web UI and CLI codec protocol)'
                  : 'Encrypt payloads (the Temporal Web UI and CLI codec protocol)',
              description:
                "Staff only: a bearer token, or the web app's session cookie sent by a page of api.codec.cors_origins (the Temporal Web UI's 'include cross-origin credentials'). The body and the answer are {payloads: [{metadata: {name: base64}, data: base64}]}; X-Namespace, when sent, must be zinc's namespace.",
              tags: ['temporal'],
              security: SECURITY,
              body: payloadsSchema,
              response: { 200: payloadsSchema, ...errorResponses(400, 401, 403, 422) },
            },
          },
          async (request) => {
            const user = userOf(request);
            const namespace = request.headers['x-namespace'];
            if (typeof namespace === 'string' && namespace !== ctx.config.temporal.namespace) {
              throw new BadRequestError(
                `X-Namespace: this codec serves namespace ${ctx.config.temporal.namespace}, not ${namespace}`,
              );
            }
            const scopeOf = await ctx.access.staffScope(user);
            if (scopeOf.courseIds.length === 0) {
              throw new ForbiddenError(
                `${user} is not staff of any course, so may not ${direction} Temporal payloads`,
              );
            }
            const payloads = request.body.payloads.map(fromJson);
            const out =
              direction === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
            return { payloads: out.map(toJson) };
          },
        );
      }
    },
    { prefix: '/api/codec' },
  );

  /** Whether the request's Origin is one whose pages may call the codec (with credentials). */
  function allowedOrigin(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    return origin !== undefined && corsOrigins.includes(origin);
  }

  /** Authorizes a request without a token by its web session cookie, sent from an allowed page. */
  async function authenticateBySession(request: FastifyRequest): Promise<void> {
    const secret = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (secret === undefined) {
      throw new UnauthorizedError(
        'no API token or web session: send "Authorization: Bearer <token>" (zinc token create --user <id> makes one), or sign in to the web app and let the Web UI include cross-origin credentials',
      );
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigin(request)) {
      throw new ForbiddenError(
        `a page of ${origin} may not use a zinc web session here: add the origin to api.codec.cors_origins if it is a Temporal Web UI`,
      );
    }
    const session = await ctx.zinc.core.webSessions.verify(secret);
    request.principal = { userId: session.userId, tokenId: session.tokenId };
  }
}
