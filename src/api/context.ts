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
import { createAccessControl, createTokenStore, type AccessControl } from '../core/auth.js';
import type { TokenStore } from '../core/auth.js';
import { createBatchStore, type BatchStore } from '../core/batch-store.js';
import { createConfigStore, type ConfigStore } from '../extensions/pipeline/config-store.js';
import { createReportStore, type ReportStore } from '../extensions/pipeline/report-store.js';
import { deliveryLimitsFrom } from '../extensions/submission/config.js';
import type { DeliveryLimits } from '../extensions/submission/delivery-files.js';
import {
  createSubmissionService,
  type SubmissionService,
} from '../extensions/submission/service.js';
import type { ZincConfig } from '../platform/config.js';
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
  platform: Pick<Platform, 'db' | 'objects' | 'events'>;
  /** The clock for token expiry, collection windows and deliveries (tests may fix it). */
  now?: () => Date;
}

/** The stores and services the routes use, built once per server. */
export interface ApiContext {
  config: ZincConfig;
  temporal: ZincTemporalClient;
  platform: Pick<Platform, 'db' | 'objects' | 'events'>;
  batches: BatchStore;
  submissions: SubmissionService;
  reports: ReportStore;
  configs: ConfigStore;
  tokens: TokenStore;
  access: AccessControl;
  limits: DeliveryLimits;
  now: () => Date;
}

/** Builds the routes' context over the process's platform and Temporal client. */
export function createApiContext(deps: ApiDeps): ApiContext {
  const now = deps.now ?? (() => new Date());
  const { db, objects, events } = deps.platform;
  const limits = deliveryLimitsFrom(deps.config.submission);
  const submissions = createSubmissionService({ db, objects, events, limits, now });
  return {
    config: deps.config,
    temporal: deps.temporal,
    platform: deps.platform,
    batches: createBatchStore(db),
    submissions,
    reports: createReportStore({ db, objects }),
    configs: createConfigStore({ db, objects }),
    tokens: createTokenStore(db, now),
    access: createAccessControl(submissions.store, now),
    limits,
    now,
  };
}

/** The authenticated user of a request on a non-public route. */
export function userOf(request: { principal: { userId: string } | null }): string {
  if (!request.principal) throw new Error('route reached without an authenticated user');
  return request.principal.userId;
}
