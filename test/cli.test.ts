// The `zinc` command as people run it: version, help, bad configuration, doctor, and `zinc up`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, buildProgram } from '../src/cli/program.js';
import { exitOf, repoRoot, tempDir, waitForFile } from './helpers/temporal.js';
import { startNatsServer } from './helpers/nats-server.js';
import { zincBin } from './helpers/zinc-bin.js';
import { freeLoopbackAddress } from '../src/platform/free-port.js';

const version = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;

function zinc(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [zincBin(), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('zinc', () => {
  it('prints its version and help, also through the package bin', () => {
    expect(zinc(['--version']).stdout.trim()).toBe(version);
    const help = zinc(['--help']).stdout;
    expect(help).toMatch(/--data-dir <dir>/);
    expect(help).toMatch(/\bup\b/);
    expect(help).toMatch(/\bdoctor\b/);
    const bin = spawnSync(process.execPath, [join(repoRoot, 'bin/zinc.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(bin.stdout.trim()).toBe(version);
  });

  it("lists every command for help from the modules' table, which says what the modules register", async () => {
    // `zinc --help` loads no command module: the table stands in for them, word for word.
    const listed = await buildProgram(['--help']);
    const loaded = await buildProgram(['--help'], { loadAll: true });
    expect(listed.helpInformation()).toBe(loaded.helpInformation());
    const help = loaded.createHelp();
    expect(COMMAND_MODULES.flatMap((m) => m.commands)).toEqual(
      loaded.commands.map((c) => ({ term: help.subcommandTerm(c), description: c.description() })),
    );
    // A mistyped word is still suggested, and `help <command>` shows the real command's help.
    const typo = zinc(['colections']);
    expect(typo.status).toBe(1);
    expect(typo.stderr).toContain(
      "error: unknown command 'colections'\n(Did you mean collections?)",
    );
    const batchHelp = zinc(['help', 'batch']).stdout;
    expect(batchHelp).toContain('Usage: zinc batch [options] [command]');
    expect(batchHelp).toMatch(/\n {2}status \[options\] <batchId> +a batch's progress/);
  });

  it('loads only the command module a command needs, and every one for help or an unknown word', async () => {
    const commands = async (...args: string[]) =>
      (await buildProgram(args)).commands.map((c) => c.name());
    const every = await commands('--help');
    expect(every).toEqual(COMMAND_MODULES.flatMap((m) => m.words));
    for (const { words } of COMMAND_MODULES) {
      expect(await commands(words[0]!)).toEqual(words); // the table says what each module defines
    }
    expect(await commands('--version')).toEqual([]);
    expect(await commands('--data-dir', 'grade', 'collections', 'list', '--json')).toEqual([
      'import',
      'user',
      'collections',
      'deliveries',
    ]);
    expect(await commands('--config=z.yaml', 'batch', 'status', 'b1', '--data-dir', 'd')).toEqual([
      'grade',
      'batch',
    ]);
    for (const args of [
      [],
      ['help', 'grade'],
      ['colections'],
      ['--nope', 'grade'],
      ['grade', '--config'],
    ]) {
      expect(await commands(...args)).toEqual(every);
    }
  });

  it('stops on a bad configuration value, naming the field and where it came from', () => {
    const run = zinc(['doctor', '--data-dir', tempDir()], { ZINC_TEMPORAL_HOST_PORT: 'localhost' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('invalid configuration');
    expect(run.stderr).toContain(
      'temporal.host_port: expected host:port, e.g. localhost:7233 (from environment variable ZINC_TEMPORAL_HOST_PORT)',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user's mistake
  });

  it('doctor starts the embedded stack in the data dir, reaches every queue, and stops it', () => {
    const dataDir = tempDir();
    const run = zinc(['doctor', '--data-dir', dataDir, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      temporal: { embedded: boolean; namespace: string };
      missingSearchAttributes: string[];
      taskQueues: Array<{ taskQueue: string }>;
      exporters: { traces: { ok: boolean; detail: string } };
    };
    expect(report.temporal).toMatchObject({ embedded: true, namespace: 'zinc-dev' });
    expect(report.missingSearchAttributes).toEqual([]);
    expect(report.taskQueues.map((q) => q.taskQueue)).toContain('zinc-core-default');
    expect(report.exporters.traces).toEqual({
      ok: true,
      detail: 'off (telemetry.tracing.otlp_endpoint is not set)',
    });
    expect(existsSync(join(dataDir, 'temporal/temporal.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'temporal/server.json'))).toBe(false); // stopped again
  });

  it('`zinc up` serves until SIGTERM; other commands on its data dir use its server', async () => {
    const dataDir = tempDir();
    const metricsAddress = await freeLoopbackAddress();
    const up = spawn(process.execPath, [zincBin(), 'up', '--data-dir', dataDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ZINC_API_PORT: '0', ZINC_METRICS_ADDRESS: metricsAddress },
    });
    let out = '';
    up.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await waitForFile(join(dataDir, 'temporal/server.json'), 90_000);
      while (!out.includes('Press Ctrl-C')) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(
        /Temporal: +127\.0\.0\.1:\d+, namespace zinc-dev \(embedded dev server\)/,
      );
      const ui = /Web UI: +(http:\S+)/.exec(out)?.[1];
      expect(ui).toBeDefined();
      expect((await fetch(ui!)).status).toBe(200);

      const doctor = zinc(['doctor', '--data-dir', dataDir, '--json'], {
        ZINC_METRICS_ADDRESS: metricsAddress,
      });
      expect(doctor.status, doctor.stderr).toBe(0);
      const state = JSON.parse(readFileSync(join(dataDir, 'temporal/server.json'), 'utf8')) as {
        address: string;
      };
      expect(JSON.parse(doctor.stdout)).toMatchObject({
        temporal: { embedded: false, address: state.address },
        exporters: { metrics: { ok: true, detail: `http://${metricsAddress}/metrics: answering` } },
      });

      // A trace backend that does not answer makes the stack unhealthy, in words.
      const closed = await freeLoopbackAddress();
      const unreachable = zinc(['doctor', '--data-dir', dataDir], {
        ZINC_OTLP_ENDPOINT: `http://${closed}/v1/traces`,
      });
      expect(unreachable.status).toBe(1);
      expect(unreachable.stdout).toContain(
        `Traces       OTLP to http://${closed}/v1/traces: NOT reachable (ECONNREFUSED)`,
      );
      expect(unreachable.stdout).toMatch(/zinc is NOT healthy\.\n$/);

      // The event bus: the in-process one by default, a NATS server checked when configured.
      expect(JSON.parse(doctor.stdout)).toMatchObject({
        events: {
          ok: true,
          detail: expect.stringContaining('events.nats.url is not set') as string,
        },
      });
      const nats = await startNatsServer();
      try {
        const withNats = zinc(['doctor', '--data-dir', dataDir], { ZINC_NATS_URL: nats.url });
        expect(withNats.status, withNats.stdout).toBe(0);
        expect(withNats.stdout).toContain(
          `Events       NATS ${nats.url}: reachable; stream ZINC not made yet (the core's relay makes it)`,
        );
      } finally {
        await nats.stop();
      }
      const natsGone = zinc(['doctor', '--data-dir', dataDir], { ZINC_NATS_URL: nats.url });
      expect(natsGone.status).toBe(1);
      expect(natsGone.stdout).toContain(
        `Events       NATS ${nats.url}: NOT reachable (connection refused)`,
      );
    } finally {
      up.kill('SIGTERM');
    }
    expect(await exitOf(up)).toBe(0);
    expect(existsSync(join(dataDir, 'temporal/server.json'))).toBe(false);
  });
});
