// How long people wait for the `zinc` command: `zinc --version` and `zinc --help` against a
// bare `node -e 0`, and the read commands (`batch list`, `batch status`, `collections list`)
// on a data dir with one graded batch, beside a running `zinc up` and with no stack running
// (they then open the embedded database themselves; opening it alone is measured as the floor),
// and with no stack on a PostgreSQL server (DATABASE_URL), as a production data dir is.
// Each figure is the median of several runs, the commands of one round run one after another so
// that a busy machine slows them alike; the targets are printed next to them.
// Run: npm run bench:cli [-- rounds [checkout]]   (builds dist/ first; default 5 rounds; another
// built zinc checkout, such as an older commit's worktree, to measure it the same way)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../src/platform/paths.js';
import { startPostgres } from '../test/helpers/postgres.js';

const rounds = Number(process.argv[2] ?? 5);
const root = process.argv[3] ?? projectRoot();
const bin = join(root, 'bin', 'zinc.js');
const work = mkdtempSync(join(tmpdir(), 'zinc-bench-cli-'));
const dataDir = join(work, 'data');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `node <args>` to its end; its wall time in ms. Fails unless it exits 0. */
function timed(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const took = performance.now() - started;
  if (run.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return took;
}

function zinc(args: string[], dir = dataDir, env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync(process.execPath, [bin, '--data-dir', dir, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ZINC_USER: 'ta', ...env },
  });
  if (run.status !== 0)
    throw new Error(`zinc ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

/** Medians (ms) of each named command, `rounds` rounds of all of them in turn. */
function measure(
  commands: Record<string, string[]>,
  env: NodeJS.ProcessEnv = {},
): Record<string, number> {
  const times: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, args] of Object.entries(commands)) {
      (times[name] ??= []).push(timed(args, env));
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, median(t)]));
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// A data dir with one graded batch: one student, the two-test "add" assignment.
const input = join(work, 'in');
mkdirSync(join(input, 's1'), { recursive: true });
writeFileSync(
  join(input, 's1', 'main.cpp'),
  '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
);
const configFile = join(work, 'grading.yaml');
writeFileSync(
  configFile,
  [
    '_settings:',
    '  lang: cpp/g++:12',
    '  lang_version_may_differ: true',
    'compile: { input: ["*.cpp"], output: main }',
    'stdioTest:',
    '  testCases:',
    '    - { id: 1, file: main, stdin: "2 2", expected: "4", score: 1 }',
    'score: { normalizedTo: 100 }',
  ].join('\n'),
);
/** Imports, configures and grades the one-student collection in `dir`; the batch's ID. */
function prepare(dir: string, env: NodeJS.ProcessEnv = {}): string {
  const { collectionId } = JSON.parse(
    zinc(
      ['import', input, '--course', 'B1', '--activity', 'A1', '--collection', 'main', '--json'],
      dir,
      env,
    ),
  ) as { collectionId: string };
  zinc(['config', 'add', configFile, '--collection', collectionId], dir, env);
  return (JSON.parse(zinc(['grade', collectionId, '--json'], dir, env)) as { batchId: string })
    .batchId;
}
process.stderr.write('preparing a data dir with one graded batch...\n');
const batchId = prepare(dataDir);

const readsOf = (prefix: string, dir: string, batch: string) => ({
  [`${prefix} batch list`]: [bin, '--data-dir', dir, 'batch', 'list'],
  [`${prefix} batch status`]: [bin, '--data-dir', dir, 'batch', 'status', batch],
  [`${prefix} collections list`]: [bin, '--data-dir', dir, 'collections', 'list'],
});
const reads = (prefix: string) => readsOf(prefix, dataDir, batchId);

process.stderr.write(`measuring, ${rounds} rounds...\n`);
const openDb = [
  '--input-type=module',
  '-e',
  `const { PGlite } = await import(${JSON.stringify(join(root, 'node_modules/@electric-sql/pglite/dist/index.js'))}); const db = await PGlite.create({ dataDir: ${JSON.stringify(join(dataDir, 'db'))} }); await db.close();`,
];
const alone = measure({
  'node -e 0': ['-e', '0'],
  'zinc --version': [bin, '--version'],
  'zinc --help': [bin, '--help'],
  'zinc batch --help': [bin, 'batch', '--help'],
  ...reads('no stack:'),
  'no stack: opening the embedded database alone': openDb,
});

// The same reads beside a running `zinc up` (it serves the embedded database and Temporal).
const up = spawn(process.execPath, [bin, '--data-dir', dataDir, 'up'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, ZINC_API_PORT: '0', ZINC_METRICS_ADDRESS: '127.0.0.1:0' },
});
let beside: Record<string, number>;
try {
  let out = '';
  up.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  up.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const deadline = Date.now() + 180_000;
  while (!out.includes('Press Ctrl-C')) {
    if (up.exitCode !== null || Date.now() > deadline)
      throw new Error(`zinc up did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  beside = measure({ 'node -e 0 (beside zinc up)': ['-e', '0'], ...reads('zinc up:') });
} finally {
  up.kill('SIGTERM');
  await new Promise((r) => up.once('close', r));
}

// The same reads with no stack on PostgreSQL: a data dir whose database is a server.
process.stderr.write('preparing a data dir on PostgreSQL with one graded batch...\n');
const postgres = await startPostgres();
let onServer: Record<string, number>;
try {
  const pgDir = join(work, 'data-pg');
  const pgEnv = { DATABASE_URL: postgres.url };
  const pgBatch = prepare(pgDir, pgEnv);
  onServer = measure(readsOf('no stack, PostgreSQL:', pgDir, pgBatch), pgEnv);
} finally {
  await postgres.stop();
}
rmSync(work, { recursive: true, force: true });

const node = alone['node -e 0']!;
const ratio = (name: string) =>
  `${secs(alone[name]!)}  = ${(alone[name]! / node).toFixed(1)}x node`;
const rows: Array<[string, string, string]> = [
  ['node -e 0', secs(node), 'the baseline'],
  ['zinc --version', ratio('zinc --version'), 'at most 5x node'],
  ['zinc --help', ratio('zinc --help'), 'at most 5x node'],
  ['zinc batch --help', ratio('zinc batch --help'), 'at most 5x node, as far as reasonable'],
  ...Object.keys(reads('zinc up:')).map((name): [string, string, string] => [
    name,
    secs(beside[name]!),
    'well under 1 s',
  ]),
  ['node -e 0 (beside zinc up)', secs(beside['node -e 0 (beside zinc up)']!), 'the baseline there'],
  ...Object.keys(reads('no stack:')).map((name): [string, string, string] => [
    name,
    secs(alone[name]!),
    'no Temporal server started; bounded by opening the embedded database',
  ]),
  ...Object.keys(onServer).map((name): [string, string, string] => [
    name,
    secs(onServer[name]!),
    'well under 1 s',
  ]),
  [
    'no stack: opening the embedded database alone',
    secs(alone['no stack: opening the embedded database alone']!),
    'the floor of a read with no stack',
  ],
];
const width = Math.max(...rows.map((r) => r[0].length));
const middle = Math.max(...rows.map((r) => r[1].length));
process.stdout.write(`zinc CLI start-up, median of ${rounds} runs each\n`);
for (const [name, figure, target] of rows) {
  process.stdout.write(`  ${name.padEnd(width)}  ${figure.padEnd(middle)}  target: ${target}\n`);
}
