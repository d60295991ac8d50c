// Payload encryption end to end, as an operator turns it on: `zinc up` with temporal.encryption
// grades a batch; the history Temporal keeps (`temporal workflow show --output json`) holds no
// student ID, verdict, score or file name in clear, while zinc's commands and API show them
// all, and the codec endpoint decodes the history for staff only (the Temporal CLI through
// --codec-endpoint, the embedded Web UI configured to use it). After a key rotation, new
// payloads use the new key and the old batch's history still decodes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { findTemporalCli } from '../src/temporal/cli-binary.js';
import { cliCourse } from './helpers/cli-course.js';
import { repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

const tag = randomBytes(3).toString('hex');
const RIGHT = `stu${tag}right`;
const WRONG = `stu${tag}wrong`;
const FILE = `adder${tag}.cpp`;
const CONFIG = [
  '_settings:',
  '  lang: cpp/g++:12',
  '  lang_version_may_differ: true',
  'compile: { input: ["*.cpp"], output: main }',
  'stdioTest:',
  '  testCases:',
  '    - { id: 1, file: main, stdin: "3 4", expected: "7", score: 1 }',
  '    - { id: 2, file: main, stdin: "2 2", expected: "4", score: 1 }',
].join('\n');
const program = (op: string) =>
  `#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a${op}b<<"\\n";}\n`;

const dir = tempDir('zinc-encryption-');
const dataDir = join(dir, 'data');
const keyText = () => randomBytes(32).toString('base64');
const K1 = keyText();
const K2 = keyText();

function configFile(name: string, keys: Array<[string, string]>): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'temporal:',
      '  encryption:',
      '    keys:',
      ...keys.map(([id, key]) => `      - { id: ${id}, key: "${key}" }`),
      '',
    ].join('\n'),
  );
  return file;
}

function zinc(config: string, args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, ZINC_CONFIG: config },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface Up {
  child: ChildProcess;
  temporal: string;
  ui: string;
  api: string;
  stop(): Promise<void>;
}

async function up(config: string): Promise<Up> {
  const child = spawn(
    process.execPath,
    [zincBin(), '--data-dir', dataDir, 'up', '--api-port', '0'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ZINC_CONFIG: config },
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  while (!out.includes('Press Ctrl-C')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`zinc up did not come up: ${out}\n${err}`);
    }
    await sleep(200);
  }
  const field = (re: RegExp) => re.exec(out)![1]!;
  return {
    child,
    temporal: field(/Temporal: +(\S+),/),
    ui: field(/Web UI: +(\S+)/),
    api: field(/API: +(\S+)/),
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** `temporal workflow show` of a workflow as JSON, raw or through zinc's codec endpoint. */
function history(stack: Up, workflowId: string, codecToken?: string): unknown {
  const run = spawnSync(
    findTemporalCli(),
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--address',
      stack.temporal,
      '--namespace',
      'zinc-dev',
      '--output',
      'json',
      ...(codecToken
        ? ['--codec-endpoint', `${stack.api}/api/codec`, '--codec-auth', `Bearer ${codecToken}`]
        : []),
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) throw new Error(`temporal workflow show: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
}

interface FoundPayload {
  path: string;
  encoding: string;
  keyId: string | undefined;
  text: string;
}

/** Every payload in a history: where it is, its encoding, key ID and data as text. */
function payloads(node: unknown, path = ''): FoundPayload[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => payloads(v, `${path}[${i}]`));
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const found: FoundPayload[] = [];
  const metadata = record.metadata as Record<string, string> | undefined;
  if (metadata && typeof metadata.encoding === 'string') {
    const decode = (b64: string | undefined) =>
      b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('latin1');
    found.push({
      path,
      encoding: decode(metadata.encoding)!,
      keyId: decode(metadata['encryption-key-id']),
      text: decode(record.data as string | undefined) ?? '',
    });
  }
  for (const [key, value] of Object.entries(record))
    found.push(...payloads(value, `${path}.${key}`));
  return found;
}

// Left in clear by design: search attributes (IDs and states, for listing) and the SDK's
// patch markers (the names of code changes).
const inClearByDesign = (p: FoundPayload) =>
  p.path.includes('.searchAttributes.') || p.path.includes('.details.patch-data.');

describe('payload encryption', () => {
  it('keeps student data out of the history, decodes it for staff, and survives a key rotation', async () => {
    const first = configFile('zinc-k1.yaml', [['k1', K1]]);
    const { collectionId } = cliCourse((args) => zinc(first, args), {
      programs: { [RIGHT]: program('+'), [WRONG]: program('*') },
      file: FILE,
      config: CONFIG,
    });
    const token = (user: string) =>
      zinc(first, ['token', 'create', '--user', user]).stdout.trim().split(/\s+/).pop()!;
    const staff = token('ta');
    expect(zinc(first, ['user', 'add', RIGHT, '--course', 'C1', '--role', 'student']).status).toBe(
      0,
    );
    const student = token(RIGHT);

    let stack = await up(first);
    let batch1: string;
    try {
      const graded = zinc(first, ['grade', collectionId, '--json']);
      expect(graded.status, graded.stderr).toBe(0);
      batch1 = (JSON.parse(graded.stdout) as { batchId: string }).batchId;

      // zinc shows everything: the CLI and the API read the results in clear.
      const results = zinc(first, ['batch', 'results', batch1, '--format', 'json']);
      const rows = (
        JSON.parse(results.stdout) as { rows: Array<{ student: string; verdict: string }> }
      ).rows;
      expect(rows.map((r) => [r.student, r.verdict]).sort()).toEqual(
        [
          [RIGHT, 'PASSED'],
          [WRONG, 'WRONG_OUTPUT'],
        ].sort(),
      );
      const api = await fetch(`${stack.api}/api/batches/${batch1}/results`, {
        headers: { authorization: `Bearer ${staff}` },
      });
      expect(await api.text()).toContain(WRONG);

      // Temporal holds ciphertext only.
      const raw = payloads(history(stack, batch1));
      expect(raw.length).toBeGreaterThan(10);
      for (const p of raw.filter((q) => !inClearByDesign(q))) {
        expect(p.encoding, p.path).toBe('binary/encrypted');
        expect(p.keyId, p.path).toBe('k1');
      }
      const rawText = JSON.stringify(history(stack, batch1)) + raw.map((p) => p.text).join('\n');
      for (const secret of [RIGHT, WRONG, FILE, 'WRONG_OUTPUT', 'PASSED', 'main.cpp']) {
        expect(rawText).not.toContain(secret);
      }

      // Decoded through zinc's codec endpoint with a staff token: what the history holds is there
      // (delivery IDs, verdicts; students stay in the database from v5, 'history-ids-only').
      const decoded = payloads(history(stack, batch1, staff))
        .map((p) => p.text)
        .join('\n');
      const deliveryIds = (
        JSON.parse(results.stdout) as { rows: Array<{ delivery: string }> }
      ).rows.map((r) => r.delivery);
      expect(deliveryIds).toHaveLength(2);
      for (const seen of [...deliveryIds, 'WRONG_OUTPUT', 'PASSED'])
        expect(decoded).toContain(seen);

      // The endpoint decodes for staff only; a student, or no token, is refused.
      const post = (headers: Record<string, string>) =>
        fetch(`${stack.api}/api/codec/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ payloads: [] }),
        });
      expect((await post({})).status).toBe(401);
      const refused = await post({ authorization: `Bearer ${student}` });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { message: string }).message).toContain('not staff');

      // The embedded Web UI is set to decode through it, and its origin may call it.
      const settings = (await (await fetch(`${stack.ui}/api/v1/settings`)).json()) as {
        Codec: { Endpoint: string };
      };
      expect(settings.Codec.Endpoint).toBe(`${stack.api}/api/codec`);
      const preflight = await fetch(`${stack.api}/api/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin: stack.ui,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe(stack.ui);
      const stranger = await fetch(`${stack.api}/api/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
      });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await stack.stop();
    }

    // Rotation: a new key first, the old one kept for what it encrypted.
    const rotated = configFile('zinc-k2.yaml', [
      ['k2', K2],
      ['k1', K1],
    ]);
    stack = await up(rotated);
    try {
      const graded = zinc(rotated, ['grade', collectionId, '--json']);
      expect(graded.status, graded.stderr).toBe(0);
      const batch2 = (JSON.parse(graded.stdout) as { batchId: string }).batchId;
      const keyIds = new Set(
        payloads(history(stack, batch2))
          .filter((p) => !inClearByDesign(p))
          .map((p) => p.keyId),
      );
      expect(keyIds).toEqual(new Set(['k2']));
      const old = payloads(history(stack, batch1, staff))
        .map((p) => p.text)
        .join('\n');
      expect(old).toContain('WRONG_OUTPUT');
      const status = zinc(rotated, ['batch', 'status', batch1]);
      expect(status.stdout).toContain('completed');
    } finally {
      await stack.stop();
    }
  });
});
