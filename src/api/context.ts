// What the routes share: the stores and services over the process's platform, the access
// control, and the per-request facts (who asks, what the audit row says) fastify carries.
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AccessControl, TokenStore } from '../core/auth.js';
import type { BatchStore } from '../core/batch-store.js';
import type { ConfigStore, PipelineService, ReportStore } from '../extensions/pipeline/index.js';
import type { DeliveryLimits, SubmissionService } from '../extensions/submission/index.js';
import type { ZincConfig } from '../config/index.js';
import type { Zinc } from '../main/zinc.js';
import type { Platform } from '../platform/platform.js';
import type { ZincTemporalClient } from '../temporal/client.js';

/** What an audit row of the current request says, filled in as the route learns it. */
export interface RequestAudit {
  target?: string;
  courseId?: string;
  collectionId?: string;
  /** The outcome of a success (default "success"). */
  outcome?: string;
  details?: Record<string, unknown>;
  /** The user named by a token that was refused (expired, revoked). */
  refusedUserId?: string;
  error?: { status: number; code: string; message: string };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user (set by the auth hook on every non-public route). */
    principal: { userId: string; tokenId: string } | null;
    zincAudit: RequestAudit;
  }
  interface FastifyContextConfig {
    /** Served without a token (health checks, the OpenAPI document). */
    public?: boolean;
    /** The audit action of a state-changing route; its requests are audited. */
    audit?: string;
    /** Also takes the web app's session cookie when no bearer token is sent (the codec
     * endpoint, for a Temporal Web UI that sends cross-origin credentials); the route's own
     * hook checks the cookie. */
    sessionCookie?: boolean;
  }
}

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ApiDeps {
  config: ZincConfig;
  temporal: ZincTemporalClient;
  /** zinc's components, built by the composition root over the process's platform. */
  zinc: Zinc;
  /** The clock for the API's own checks (tests may fix it; build zinc with the same one). */
  now?: () => Date;
}

/** The stores and services the routes use, built once per server. */
export interface ApiContext {
  config: ZincConfig;
  temporal: ZincTemporalClient;
  zinc: Zinc;
  platform: Pick<Platform, 'db' | 'objects' | 'events'>;
  batches: BatchStore;
  submissions: SubmissionService;
  pipeline: PipelineService;
  reports: ReportStore;
  configs: ConfigStore;
  tokens: TokenStore;
  access: AccessControl;
  limits: DeliveryLimits;
  now: () => Date;
}

/** The routes' context: the components' services, as the composition root built them. */
export function createApiContext(deps: ApiDeps): ApiContext {
  const { zinc } = deps;
  return {
    config: deps.config,
    temporal: deps.temporal,
    zinc,
    platform: zinc.platform,
    batches: zinc.core.batches,
    submissions: zinc.submission.service,
    pipeline: zinc.pipeline.service,
    reports: zinc.pipeline.service.reports,
    configs: zinc.pipeline.service.configs,
    tokens: zinc.core.tokens,
    access: zinc.core.access,
    limits: zinc.submission.limits,
    now: deps.now ?? (() => new Date()),
  };
}

/** The authenticated user of a request on a non-public route. */
export function userOf(request: { principal: { userId: string } | null }): string {
  if (!request.principal) throw new Error('route reached without an authenticated user');
  return request.principal.userId;
}
