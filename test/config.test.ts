// zinc's configuration: YAML file, environment overrides, flags, and errors that name the field.
import { ConfigError } from '../src/failures.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { tempDir } from './helpers/temporal.js';

function configFile(text: string): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, 'zinc.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

describe('loadConfig', () => {
  it('has working defaults: embedded Temporal, namespace zinc-dev, prefix zinc, ./.zinc', () => {
    const cwd = tempDir();
    const config = loadConfig({ env: {}, cwd });
    expect(config.temporal.host_port).toBeUndefined();
    expect(config.temporal.namespace).toBe('zinc-dev');
    expect(config.temporal.task_queue_prefix).toBe('zinc');
    expect(config.data_dir).toBe(join(cwd, '.zinc'));
    expect(config.worker.shutdown_grace_secs).toBe(30);
  });

  it('reads a YAML file, then lets the environment and --data-dir override it', () => {
    const { dir, file } = configFile(
      [
        'data_dir: from-file',
        'temporal:',
        '  host_port: temporal.example.com:7233',
        '  namespace: zinc-staging',
        '  task_queue_prefix: zinc',
        'worker:',
        '  max_concurrent_activities: 4',
        '  max_activities_per_second: 2.5',
      ].join('\n'),
    );
    const fromFile = loadConfig({ file, env: {}, cwd: dir });
    expect(fromFile.temporal.host_port).toBe('temporal.example.com:7233');
    expect(fromFile.temporal.namespace).toBe('zinc-staging');
    expect(fromFile.worker.max_concurrent_activities).toBe(4);
    expect(fromFile.worker.max_activities_per_second).toBe(2.5);
    expect(fromFile.data_dir).toBe(join(dir, 'from-file'));

    const overridden = loadConfig({
      file,
      cwd: dir,
      env: {
        ZINC_TEMPORAL_NAMESPACE: 'zinc-prod',
        ZINC_WORKER_MAX_CONCURRENT_ACTIVITIES: '16',
        ZINC_DATA_DIR: 'from-env',
      },
      overrides: { dataDir: 'from-flag' },
    });
    expect(overridden.temporal.namespace).toBe('zinc-prod');
    expect(overridden.worker.max_concurrent_activities).toBe(16);
    expect(overridden.data_dir).toBe(join(dir, 'from-flag'));
  });

  it('finds ZINC_CONFIG, then ./zinc.yaml', () => {
    const { dir, file } = configFile('temporal:\n  namespace: via-env\n');
    expect(loadConfig({ env: { ZINC_CONFIG: file }, cwd: tempDir() }).temporal.namespace).toBe(
      'via-env',
    );
    expect(loadConfig({ env: {}, cwd: dir }).temporal.namespace).toBe('via-env');
  });

  it('names each bad field, what was expected and where the value came from', () => {
    const { dir, file } = configFile(
      'temporal:\n  host_port: no-port-here\n  namespace: 42\n  colour: blue\nworker:\n  shutdown_grace_secs: -1\n',
    );
    let error: unknown;
    try {
      loadConfig({ file, env: {}, cwd: dir });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /temporal\.host_port: expected host:port, e\.g\. localhost:7233 \(from .*zinc\.yaml\)/,
    );
    expect(message).toMatch(/temporal\.namespace: .*expected string/i);
    expect(message).toMatch(/temporal: .*colour/);
    expect(message).toMatch(/worker\.shutdown_grace_secs: .*>=0/);
  });

  it('blames the environment variable that set a bad value', () => {
    expect(() => loadConfig({ env: { ZINC_TEMPORAL_PORT: 'seventy' }, cwd: tempDir() })).toThrow(
      /temporal\.dev_server\.port: .*\(from environment variable ZINC_TEMPORAL_PORT\)/,
    );
  });

  it('requires a client certificate and key for mTLS', () => {
    const { dir, file } = configFile('temporal:\n  tls:\n    ca: ca.pem\n');
    expect(() => loadConfig({ file, env: {}, cwd: dir })).toThrow(/temporal\.tls\.cert/);
  });

  it('refuses a file that is not YAML or not a mapping', () => {
    const bad = configFile('temporal: [unclosed\n');
    expect(() => loadConfig({ file: bad.file, env: {}, cwd: bad.dir })).toThrow(/not valid YAML/);
    const list = configFile('- a\n- b\n');
    expect(() => loadConfig({ file: list.file, env: {}, cwd: list.dir })).toThrow(
      /expected a mapping/,
    );
    expect(() => loadConfig({ file: 'missing.yaml', env: {}, cwd: tempDir() })).toThrow(
      /cannot read config file .*missing\.yaml/,
    );
  });
});
