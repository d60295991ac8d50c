// The extension configuration service: gRPC over HTTP/2 (cleartext), one method,
// GetConfiguration(name) -> Configuration{name, properties}. A worker token in the
// `authorization: Bearer` header names the component; the component decides what it may read.
import { ConfigServiceListenError, isFailure } from '../../failures.js';
import { readFileSync } from 'node:fs';
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type ServerHttp2Session,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  ConfigurationSchema,
  ConfigurationService,
  type Configuration,
} from '../../gen/zinc/config/v1/config_pb.js';
import type { ZincConfig } from '../../config/index.js';
import type { WorkerTokenStore, WorkerTokenRecord } from '../worker-tokens.js';
import { authorizeSection } from './access.js';
import type { ConfigServiceConfig } from './config.js';
import { flattenSection } from './flatten.js';
import { SERVED_SECTIONS } from './sections.js';

export interface ConfigurationServiceOptions {
  /**
   * The effective configuration to serve: what this process really runs with, so a worker
   * elsewhere reaches the same servers (e.g. `temporal.host_port` set to the running embedded
   * dev server's address, `database.url` to where the embedded database is served).
   */
  config: ZincConfig;
  /** Checks worker tokens (the core's database). */
  tokens: Pick<WorkerTokenStore, 'verify'>;
  /** Told of each call's outcome, without secrets (for a log line). */
  onCall?: (call: ConfigurationCall) => void;
}

export interface RunningConfigurationService {
  /** host:port it listens on (the port picked when 0 was asked for); https://host:port with TLS. */
  address: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** One answered or refused call, as `onCall` hears of it (no secrets: no token, no values). */
export interface ConfigurationCall {
  section: string;
  /** The worker token's ID and component, once the token was accepted. */
  tokenId?: string;
  component?: string;
  /** 'ok', or the gRPC status name it was refused with (e.g. 'PermissionDenied'). */
  outcome: string;
}

/** Answers one GetConfiguration call; ConnectError with the gRPC code when refused. */
export function createGetConfiguration(options: ConfigurationServiceOptions) {
  const answer = async (
    name: string,
    authorization: string | null,
    call: ConfigurationCall,
  ): Promise<Configuration> => {
    const match = authorization === null ? null : BEARER.exec(authorization);
    if (match === null) {
      throw new ConnectError(
        'no worker token: send "authorization: Bearer <token>" (zinc token create --worker <component>)',
        Code.Unauthenticated,
      );
    }
    let token: WorkerTokenRecord;
    try {
      token = await options.tokens.verify(match[1]!);
    } catch (err) {
      if (isFailure(err, 'Unauthorized')) throw new ConnectError(err.message, Code.Unauthenticated);
      throw new ConnectError('cannot check the worker token now; try again', Code.Unavailable);
    }
    call.tokenId = token.id;
    call.component = token.component;
    let section;
    try {
      section = SERVED_SECTIONS[authorizeSection(token.component, name)];
    } catch (err) {
      if (isFailure(err, 'SectionForbidden')) {
        throw new ConnectError(err.message, Code.PermissionDenied);
      }
      if (isFailure(err, 'SectionNotFound')) throw new ConnectError(err.message, Code.NotFound);
      throw err;
    }
    return create(ConfigurationSchema, {
      name,
      properties: flattenSection(section.read(options.config)),
    });
  };
  return async (name: string, authorization: string | null): Promise<Configuration> => {
    const call: ConfigurationCall = { section: name, outcome: 'ok' };
    try {
      return await answer(name, authorization, call);
    } catch (err) {
      call.outcome = Code[err instanceof ConnectError ? err.code : Code.Internal];
      throw err;
    } finally {
      options.onCall?.(call);
    }
  };
}

/** The ConnectRPC routes of the service (gRPC only), for a server of the caller's choosing. */
export function configurationRoutes(options: ConfigurationServiceOptions) {
  const get = createGetConfiguration(options);
  return (router: ConnectRouter): void => {
    router.service(ConfigurationService, {
      getConfiguration: (request, context) =>
        get(request.name, context.requestHeader.get('authorization')),
    });
  };
}

/** Serves the configuration service on `listen` (port 0: a free one) until closed. */
export async function startConfigurationService(
  options: ConfigurationServiceOptions & { listen: ConfigServiceConfig },
): Promise<RunningConfigurationService> {
  const handler = connectNodeAdapter({
    routes: configurationRoutes(options),
    grpc: true,
    grpcWeb: false,
    connect: false,
  });
  const { host, port, tls } = options.listen;
  let server: Http2Server | Http2SecureServer;
  if (tls === undefined) {
    server = createServer(handler);
  } else {
    let cert: Buffer, key: Buffer;
    try {
      cert = readFileSync(tls.cert);
      key = readFileSync(tls.key);
    } catch (err) {
      throw new ConfigServiceListenError(
        `the configuration service cannot read its TLS certificate or key: ${(err as Error).message}`,
      );
    }
    server = createSecureServer({ cert, key, allowHTTP1: false }, handler);
  }
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      reject(
        new ConfigServiceListenError(
          err.code === 'EADDRINUSE'
            ? `the configuration service cannot listen on ${host}:${port}: the port is taken ` +
                '(another zinc up or zinc worker core?); set config_service.port or ' +
                'ZINC_CONFIG_SERVICE_PORT (0: a free one)'
            : `the configuration service cannot listen on ${host}:${port}: ${err.message}`,
        ),
      );
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.removeListener('error', fail);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  let closed: Promise<void> | undefined;
  return {
    address: `${tls === undefined ? '' : 'https://'}${shownHost}:${bound.port}`,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      })),
  };
}
