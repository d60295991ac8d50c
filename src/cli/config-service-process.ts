// The composition of the extension configuration service in a core process: the configuration
// it really runs with, the worker tokens in its database, a log line per call.
import type { ZincConfig } from '../config/index.js';
import { servedDatabaseUrl } from '../platform/open-database.js';
import type { Platform } from '../platform/platform.js';
import { createWorkerTokenStore } from '../core/worker-tokens.js';
import {
  startConfigurationService,
  type ConfigurationCall,
  type RunningConfigurationService,
} from '../core/config-service/server.js';

export type { RunningConfigurationService };

/**
 * What workers elsewhere must be told: this process's configuration with the Temporal address
 * it really uses (the embedded dev server's, when it started one) and, on the embedded database,
 * the unix socket it serves that database on (so only workers on this machine can use it).
 */
export function effectiveConfig(config: ZincConfig, temporalAddress: string): ZincConfig {
  const served = config.database.url === undefined ? servedDatabaseUrl(config.data_dir) : undefined;
  return {
    ...config,
    temporal: { ...config.temporal, host_port: temporalAddress },
    ...(served !== undefined ? { database: { ...config.database, url: served } } : {}),
  };
}

/** One stderr line per call: which token read what, or why it was refused (never a value). */
export function formatConfigCall(call: ConfigurationCall): string {
  const who = call.tokenId
    ? `${call.tokenId} (${call.component})`
    : 'a caller without a valid token';
  const section = JSON.stringify(call.section.slice(0, 100)); // the caller's text
  return call.outcome === 'ok'
    ? `config service: ${who} read ${section}`
    : `config service: refused ${section} to ${who}: ${call.outcome}`;
}

/** Starts the configuration service on `config.config_service`, serving the effective config. */
export function startConfigService(
  config: ZincConfig,
  temporalAddress: string,
  platform: Platform,
): Promise<RunningConfigurationService> {
  return startConfigurationService({
    config: effectiveConfig(config, temporalAddress),
    tokens: createWorkerTokenStore(platform.db),
    listen: config.config_service,
    onCall: (call) => process.stderr.write(`${formatConfigCall(call)}\n`),
  });
}
