// API rate limits (api.rate_limit): requests per minute per client address, counted before the
// token is read (so a flood of bad tokens is limited too), and per API token, counted once the
// token is known. Over a limit the answer is 429 `rate_limited` with Retry-After. Health checks
// (routes with `rateLimit: false`) are never limited. The counts live in this process (the
// plugin's local store): with several API processes behind a balancer, each allows the limit.
import { RateLimitedError } from '../failures.js';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { ApiConfig } from './config.js';
import type { ZodApp } from './context.js';

const MINUTE_MS = 60_000;

type Limiter = ReturnType<ZodApp['createRateLimit']>;

/** Throws RateLimitedError when `limiter` says the request is one too many. */
async function check(limiter: Limiter, request: FastifyRequest, what: string): Promise<void> {
  const verdict = await limiter(request);
  if (verdict.isAllowed || !verdict.isExceeded) return;
  throw new RateLimitedError(
    `too many requests ${what}: at most ${verdict.max} a minute; try again in ${verdict.ttlInSeconds} s`,
    verdict.ttlInSeconds,
  );
}

const exempt = (request: FastifyRequest): boolean =>
  request.routeOptions.config?.rateLimit === false;

/** Registers the limiter plugin (no global hook: zinc places its two checks itself). */
export async function registerRateLimiter(app: ZodApp): Promise<void> {
  await app.register(fastifyRateLimit, { global: false });
}

/** The per-address check: install before authentication. */
export function limitPerAddress(app: ZodApp, limits: ApiConfig['rate_limit']): void {
  if (limits.per_address_per_minute === 0) return;
  const limiter = app.createRateLimit({
    max: limits.per_address_per_minute,
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => `address:${request.ip}`,
  });
  app.addHook('onRequest', async (request) => {
    if (exempt(request)) return;
    await check(
      limiter,
      request,
      `from address ${request.ip} (api.rate_limit.per_address_per_minute)`,
    );
  });
}

/** The per-token check: install after authentication (it keys on the token's ID). */
export function limitPerToken(app: ZodApp, limits: ApiConfig['rate_limit']): void {
  if (limits.per_token_per_minute === 0) return;
  const limiter = app.createRateLimit({
    max: limits.per_token_per_minute,
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => `token:${request.principal?.tokenId ?? ''}`,
  });
  app.addHook('onRequest', async (request) => {
    if (exempt(request) || !request.principal) return;
    await check(
      limiter,
      request,
      `with API token ${request.principal.tokenId} (api.rate_limit.per_token_per_minute)`,
    );
  });
}
