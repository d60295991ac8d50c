// zinc's HTTP API: a fastify server over the process's platform and Temporal client. Requests
// and answers are described by zod schemas, from which the OpenAPI document at
// /api/openapi.json is generated. Create it here; listen with `listenApi`.
import { ApiListenError } from '../failures.js';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import Fastify from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { OpenAPIV3 } from 'openapi-types';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiConfig } from './config.js';
import { createApiContext, type ApiDeps, type ZodApp } from './context.js';
import { installHooks, type ApiLog } from './hooks.js';
import { installRequestMetrics } from './metrics.js';
import { registerRateLimiter } from './rate-limit.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerCodecRoutes } from './routes/codec.js';
import { configuredCodec } from '../temporal/codec.js';
import { registerBatchRoutes } from './routes/batches.js';
import { registerDeliveryRoutes } from './routes/deliveries.js';
import { registerGradebookRoute } from './routes/gradebook.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerLiveFeedbackRoutes } from './routes/live-feedback.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerReleaseRoutes } from './routes/releases.js';
import { registerScheduleRoutes } from './routes/schedules.js';
import { registerSteeringRoutes, registerTerminateRoute } from './routes/steering.js';
import { projectRoot } from '../platform/paths.js';
import { createLogger } from '../platform/logger.js';
import { registerWebApp } from '../web/index.js';

export interface ApiServerOptions extends ApiDeps {
  /** Where unexpected errors go, with their stack (never to the client); default: JSON on stderr. */
  log?: ApiLog;
  /** Origins allowed to call the codec endpoint besides api.codec.cors_origins (the embedded
   * Web UI's, when this process runs it). */
  codecOrigins?: readonly string[];
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The upload route's request body, which zod cannot describe (it is multipart). */
const UPLOAD_BODY: OpenAPIV3.RequestBodyObject = {
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        properties: {
          files: {
            type: 'array',
            items: { type: 'string', format: 'binary' },
            description: "the delivery's files; each part's file name is the file's path",
          },
          archive: {
            type: 'string',
            format: 'binary',
            description: 'or one zip, tar or tar.gz holding the files',
          },
        },
      },
    },
  },
};

/** Builds the API server (routes, hooks, OpenAPI document); it does not listen yet. */
export async function createApiServer(options: ApiServerOptions): Promise<ZodApp> {
  const ctx = createApiContext(options);
  const log = options.log ?? createLogger({ level: 'error', format: 'json' });
  const app = Fastify({
    logger: false,
    bodyLimit: options.config.api.json_body_limit_kb * 1024,
    // Long enough for any zinc ID (the schemas refuse what is too long, with a message).
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'zinc',
        description:
          'Batch grading for programming courses: batches, deliveries, reports and the audit log. Every /api route but this document takes "Authorization: Bearer <token>" (zinc token create).',
        version: version(),
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'zinc API token' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => {
      const document = (
        'openapiObject' in documentObject
          ? documentObject.openapiObject
          : documentObject.swaggerObject
      ) as OpenAPIV3.Document;
      const upload = document.paths?.['/api/collections/{id}/deliveries']?.post;
      if (upload) upload.requestBody = UPLOAD_BODY;
      return document;
    },
  });
  await app.register(fastifyMultipart, { throwFileSizeLimit: true });

  await registerRateLimiter(app);
  installHooks(app, ctx, log);
  installRequestMetrics(app);
  registerHealthRoutes(app, ctx);
  registerBatchRoutes(app, ctx);
  registerSteeringRoutes(app, ctx);
  registerTerminateRoute(app, ctx);
  registerDeliveryRoutes(app, ctx);
  registerLiveFeedbackRoutes(app, ctx);
  registerGradebookRoute(app, ctx);
  registerReportRoutes(app, ctx);
  registerReleaseRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  const codec = configuredCodec(options.config.temporal.encryption);
  if (codec) {
    const origins = [...options.config.api.codec.cors_origins, ...(options.codecOrigins ?? [])];
    await registerCodecRoutes(app, ctx, codec, origins);
  }
  // The staff and student web app (src/web): same process, same origin, same access rules.
  await registerWebApp(app, ctx, log);
  return app;
}

/** Listens on `api.host`:`api.port` (0: a free port) and returns the base URL. */
export async function listenApi(
  app: ZodApp,
  api: Pick<ApiConfig, 'host' | 'port'>,
): Promise<string> {
  try {
    await app.listen({ host: api.host, port: api.port });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ApiListenError(
      `the API cannot listen on ${api.host}:${api.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : (err as Error).message}; choose another with --api-port or ZINC_API_PORT`,
      { cause: err },
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : api.port;
  const host = api.host.includes(':') ? `[${api.host}]` : api.host;
  return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
}
