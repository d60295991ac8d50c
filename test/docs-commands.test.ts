// The README and docs/ hold up: their relative links lead to a file and heading; every `zinc`
// line they show parses (with the real program, its actions stubbed); no command option shadows
// a global one; and every line of the command table in docs/commands.md runs for real, its
// placeholders filled from a small course, against a Temporal dev server, a PostgreSQL server
// and a temporary data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommanderError, type Command } from 'commander';
import { COMMAND_MODULES, buildProgram } from '../src/cli/program.js';
import type { DevServer } from '../src/temporal/dev-server.js';
import {
  anchors,
  codeBlockCommands,
  relativeLinks,
  docFiles,
  expandUsage,
  shellWords,
  tableUsages,
  type DocLine,
} from './helpers/doc-commands.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { NAMESPACE, exitOf, repoRoot, startTestServer, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

/** Every command of `program`, depth first, with its words (`['batch', 'pause']`). */
function allCommands(program: Command, path: string[] = []): Array<[string[], Command]> {
  return program.commands.flatMap((c) => {
    const words = [...path, c.name()];
    return [[words, c] as [string[], Command], ...allCommands(c, words)];
  });
}

/** The program with every command module loaded; actions only record that they would run. */
async function parsingProgram(): Promise<{ program: Command; ran: string[][] }> {
  const program = await buildProgram([], { loadAll: true }); // every module, for real
  expect(program.commands.map((c) => c.name())).toEqual(COMMAND_MODULES.flatMap((m) => m.words));
  const ran: string[][] = [];
  const silent = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };
  program.exitOverride().configureOutput(silent);
  for (const [words, command] of allCommands(program)) {
    command.exitOverride().configureOutput(silent);
    const handled = (command as unknown as { _actionHandler: unknown })._actionHandler;
    if (handled) command.action(() => void ran.push(words));
  }
  return { program, ran };
}

/** Parses `words` (after `zinc`) with a fresh program; the error commander raised, if any. */
async function parseError(words: readonly string[]): Promise<string | undefined> {
  const { program, ran } = await parsingProgram();
  try {
    await program.parseAsync(['node', 'zinc', ...words]);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.version' || err.code === 'commander.helpDisplayed') return;
      return err.message;
    }
    throw err;
  }
  return ran.length === 1 ? undefined : `no command ran (${ran.length})`;
}

/** Dummy values for placeholders, for parsing only. */
function dummy(word: string): string {
  return word.replace(/<([^>]+)>/g, (_m, name: string) => `x-${name}`);
}

const where = (l: DocLine) => `${l.file}:${l.line}: ${l.text}`;

const TABLE = 'docs/commands.md';

describe('the command lines in the README and docs/', () => {
  it('every zinc line of a code block or a command table parses', async () => {
    const lines = docFiles().flatMap((file) => [
      ...codeBlockCommands(file).map((doc) => ({ doc, forms: [shellWords(doc.text)] })),
      ...tableUsages(file).map((doc) => ({
        doc,
        forms: expandUsage(doc.text).map((words) => words.map(dummy)),
      })),
    ]);
    expect(lines.filter((l) => l.doc.file === 'README.md').length).toBeGreaterThan(5);
    expect(lines.filter((l) => l.doc.file === TABLE).length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const { doc, forms } of lines) {
      for (const words of forms) {
        const error = await parseError(words.slice(1));
        if (error) failures.push(`${where(doc)}\n    (${words.join(' ')}): ${error}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every relative link leads to a file of the checkout, and to a heading of it', () => {
    const broken = docFiles().flatMap((file) =>
      relativeLinks(file).filter((link) => {
        const [path, anchor] = link.text.split('#') as [string, string | undefined];
        const target = path === '' ? file : normalize(join(dirname(file), path));
        if (!existsSync(join(repoRoot, target))) return true;
        return anchor !== undefined && !anchors(target).has(anchor);
      }),
    );
    expect(broken.map(where)).toEqual([]);
  });

  it('no command defines an option that a global option (--data-dir, --config) also defines', async () => {
    const { program } = await parsingProgram();
    const global = new Set(
      program.options.flatMap((o) => [o.long, o.short]).filter((f) => f !== undefined),
    );
    expect(global).toEqual(new Set(['-V', '--version', '--data-dir', '--config']));
    const commands = allCommands(program);
    expect(commands.length).toBeGreaterThan(20);
    const clashes = commands.flatMap(([words, command]) =>
      command.options
        .flatMap((o) => [o.long, o.short])
        .filter((flag) => flag !== undefined && global.has(flag))
        .map((flag) => `zinc ${words.join(' ')} ${flag}`),
    );
    expect(clashes).toEqual([]);
  });
});

/**
 * The order the table's commands run in, a step at a time: each step's commands run at once (a
 * command's own lines one after another), and need only what earlier steps made.
 */
const STEPS: readonly (readonly string[])[] = [
  ['--version', '--help', 'import', 'config validate', 'try'],
  [
    'user add',
    'collections list',
    'deliveries list',
    'config add',
    'collections set-window',
    'collections set-live',
  ],
  ['worker', 'token create', 'schedule grade', 'user list'],
  ['token list', 'token revoke', 'schedule list'],
  ['grade', 'schedule pause'],
  ['batch pause', 'schedule unpause'],
  ['batch resume', 'schedule delete'],
  ['batch cancel'],
  ['batch terminate'],
  [
    'batch watch',
    'batch list',
    'batch status',
    'batch results',
    'collections gradebook',
    'batch diff',
    'batch release',
  ],
  ['batch regrade-failed', 'audit', 'doctor', 'report show', 'user remove'],
  ['api', 'up'],
  ['demo', 'events tail'],
];

/** Commands that serve until Ctrl-C: they run until they say so, then get SIGINT. */
const SERVING = new Set(['worker', 'api', 'up']);

/** Not run here, and where they are run for real. */
const RUN_ELSEWHERE: Record<string, string> = {
  demo: 'test/grade-cli.test.ts runs `zinc demo --json` (about a minute of grading)',
  'events tail': 'test/events-nats.test.ts runs it against a real nats-server',
};

interface Run {
  status: number | NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('the command table in docs/commands.md', () => {
  let server: DevServer;
  let postgres: TestPostgres;
  const work = tempDir('zinc-docs-');
  const dataDir = join(work, 'data');
  const deliveries = join(work, 'hw1');
  const assets = join(work, 'assets');
  const fastConfig = join(work, 'hw1.yaml');
  const slowConfig = join(work, 'slow.yaml');
  let env: NodeJS.ProcessEnv;
  const serving: ChildProcess[] = [];

  beforeAll(async () => {
    [server, postgres] = await Promise.all([startTestServer(), startPostgres()]);
    env = {
      ...process.env,
      ZINC_DATA_DIR: dataDir,
      ZINC_TEMPORAL_HOST_PORT: server.address,
      ZINC_TEMPORAL_NAMESPACE: NAMESPACE,
      DATABASE_URL: postgres.url,
      ZINC_USER: 'ta',
      ZINC_WORKER_SHUTDOWN_GRACE_SECS: '2',
    };
    for (const [student, program] of [
      ['s1', 'print(input())\n'],
      ['s2', 'print(input().upper())\n'],
    ] as const) {
      mkdirSync(join(deliveries, student), { recursive: true });
      writeFileSync(join(deliveries, student, 'main.py'), program);
    }
    mkdirSync(assets);
    writeFileSync(join(assets, 'in.txt'), 'hello\n');
    const settings = [
      '_settings:',
      '  lang: python/python3:3',
      '  lang_version_may_differ: true',
      '  use_template: FILENAMES',
      '  template: [main.py]',
    ];
    writeFileSync(
      fastConfig,
      [
        ...settings,
        'stdioTest:',
        '  testCases:',
        '    - { id: 1, file: main.py, file_stdin: in.txt, expected: hello, score: 1 }',
        'score: { normalizedTo: 100 }',
      ].join('\n'),
    );
    // A batch that runs long enough to be paused, resumed, cancelled and terminated.
    writeFileSync(
      slowConfig,
      [
        ...settings,
        '  stage_wait_duration_secs: 300',
        "shellExec: { cmd: 'sleep 300' }",
        'score: { normalizedTo: 100 }',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    for (const child of serving) child.kill('SIGKILL');
    await Promise.all([server?.stop(), postgres?.stop()]);
  });

  function zinc(words: readonly string[]): Promise<Run> {
    const child = spawn(process.execPath, [zincBin(), ...words], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    return exitOf(child).then((status) => {
      clearTimeout(timer);
      return { status, stdout, stderr };
    });
  }

  /** Starts a command that serves until Ctrl-C; resolves once it says it is up. */
  async function startServing(words: readonly string[]): Promise<ChildProcess & { out(): string }> {
    const child = spawn(process.execPath, [zincBin(), ...words], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serving.push(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const deadline = Date.now() + 120_000;
    while (!out.includes('Press Ctrl-C')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`zinc ${words.join(' ')} did not come up:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return Object.assign(child, { out: () => out });
  }

  async function stopServing(child: ChildProcess & { out(): string }): Promise<void> {
    child.kill('SIGINT');
    const status = await exitOf(child);
    expect(status, child.out()).toBe(0);
    serving.splice(serving.indexOf(child), 1);
  }

  it('runs every line, placeholders filled, and each exits 0', async () => {
    const { program } = await parsingProgram();
    /** The command a line runs (`batch pause`), or its option for `zinc --version`. */
    const keyOf = (words: readonly string[]): string => {
      let command = program;
      const path: string[] = [];
      for (const word of words.slice(1)) {
        const sub = command.commands.find((c) => c.name() === word);
        if (!sub) break;
        command = sub;
        path.push(word);
      }
      return path.length > 0 ? path.join(' ') : words[1]!;
    };

    const usages = tableUsages(TABLE);
    expect(usages.length).toBeGreaterThan(15);
    const byKey = new Map<string, Array<{ doc: DocLine; words: string[] }>>();
    for (const doc of usages) {
      for (const words of expandUsage(doc.text)) {
        const key = keyOf(words);
        byKey.set(key, [...(byKey.get(key) ?? []), { doc, words }]);
      }
    }
    // The table and this test agree on which commands there are.
    expect([...byKey.keys()].sort()).toEqual(STEPS.flat().sort());

    const now = Date.now();
    const day = 86_400_000;
    const ctx: Record<string, string> = {};
    const need = (name: string): string => {
      const value = ctx[name];
      if (value === undefined) throw new Error(`no ${name} yet: the table's order changed?`);
      return value;
    };
    /** The value of placeholder `<name>` after `previous` in a line of command `key`. */
    const fill = (key: string, name: string, previous: string, words: string[]): string => {
      switch (name) {
        case 'dir':
          if (previous === '--assets') return assets;
          if (key === 'import') return deliveries;
          break;
        case 'code':
          return 'COMP2012';
        case 'name':
          if (previous === '--activity') return 'Assignment 1';
          if (previous === '--collection') return 'main';
          break;
        case 'time':
          if (previous === '--start') return new Date(now - day).toISOString();
          if (previous === '--stop') return new Date(now + 30 * day).toISOString();
          if (previous === '--since') return '24h';
          if (previous === '--at') return new Date(now + 20 * day).toISOString();
          break;
        case 'collectionId':
          return need('collectionId');
        case 'userId':
          if (key === 'user remove') return 's3';
          return key === 'user add' && words.includes('student') ? 's3' : 'ta';
        case 'studentId':
          return 's1';
        case 'displayName':
          return 'A Docs Reader';
        case 'config.yaml':
          return fastConfig;
        case 'delivery':
          return join(deliveries, 's1');
        case 'version':
          return need('slowConfig');
        case 'n':
          return '2';
        case 'user':
          return 'ta';
        case 'oldBatchId':
        case 'newBatchId':
          return need('fastBatch');
        case 'batchId':
          if (key === 'batch terminate') return need('terminateBatch');
          return ['batch pause', 'batch resume', 'batch cancel'].includes(key)
            ? need('slowBatch')
            : need('fastBatch');
        case 'text':
          return 'checked by the docs test';
        case 'port':
          return '0';
        case 'host':
          return '127.0.0.1';
        case 'when':
          return '30d';
        case 'tokenId':
          return need('tokenId');
        case 'span':
          return '10m';
        case 'scheduleId':
          return `grade-${need('collectionId')}-${need('slowConfig')}`;
      }
      throw new Error(`no value for <${name}> after ${previous} in zinc ${key}`);
    };
    const filled = (key: string, words: string[]): string[] =>
      words.slice(1).map((word, i) => {
        const placeholder = /^<([^>]+)>$/.exec(word)?.[1];
        return placeholder === undefined ? word : fill(key, placeholder, words[i] ?? '', words);
      });

    /** What a key's lines need from before, and what later lines need from them. */
    const before: Record<string, () => Promise<void>> = {
      'config add': async () => {
        const slow = await zinc([
          'config',
          'add',
          slowConfig,
          '--collection',
          need('collectionId'),
        ]);
        expect(slow.status, slow.stderr).toBe(0);
        ctx.slowConfig = slow.stdout.trim();
      },
      grade: async () => {
        // A completed batch for the commands that read one (the fast config is the default).
        const graded = await zinc(['grade', need('collectionId'), '--json']);
        expect(graded.status, graded.stderr).toBe(0);
        ctx.fastBatch = (JSON.parse(graded.stdout) as { batchId: string }).batchId;
        ctx.slowBatch = `batch-${need('collectionId')}-${need('slowConfig')}-1`;
      },
      'batch terminate': async () => {
        // The slow batch was cancelled: the same request starts its regrade, to terminate.
        const started = await zinc([
          'grade',
          need('collectionId'),
          '--config-version',
          need('slowConfig'),
          '--no-wait',
          '--json',
        ]);
        expect(started.status, started.stderr).toBe(0);
        ctx.terminateBatch = (JSON.parse(started.stdout) as { batchId: string }).batchId;
      },
    };
    const after: Record<string, (runs: Run[]) => Promise<void> | void> = {
      import: async () => {
        const listed = await zinc(['collections', 'list', '--json']);
        ctx.collectionId = (JSON.parse(listed.stdout) as Array<{ id: string }>)[0]!.id;
      },
      'token create': (runs) => {
        ctx.tokenId = /Token (tok_\w+) for ta/.exec(runs[0]!.stdout)?.[1] ?? '';
      },
    };

    const timings: string[] = [];
    const workers: Array<ChildProcess & { out(): string }> = [];
    const runKey = async (key: string): Promise<void> => {
      if (RUN_ELSEWHERE[key]) {
        timings.push(`zinc ${key}: not run here; ${RUN_ELSEWHERE[key]}`);
        return;
      }
      await before[key]?.();
      const runs: Run[] = [];
      for (const { doc, words } of byKey.get(key)!) {
        const args = filled(key, words);
        const started = Date.now();
        if (SERVING.has(key)) {
          const child = await startServing(args);
          // The workers serve the batches to come; `api` and `up` stop at once.
          if (key === 'worker') workers.push(child);
          else await stopServing(child);
        } else {
          const run = await zinc(args);
          expect(run.status, `${where(doc)}\n  zinc ${args.join(' ')}\n${run.stderr}`).toBe(0);
          runs.push(run);
        }
        timings.push(`zinc ${args.join(' ')}: ${Date.now() - started} ms`);
      }
      await after[key]?.(runs);
    };
    const started = Date.now();
    for (const step of STEPS) await Promise.all(step.map(runKey));
    for (const worker of workers) await stopServing(worker);
    timings.push(`all: ${Date.now() - started} ms`);
    console.log(timings.join('\n'));
  }, 900_000);
});
