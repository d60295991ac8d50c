// The API from the command line, as an operator runs it: `zinc token create` prints a token as
// its last word and stores only its sha256; `zinc up` serves the API beside the workers;
// `zinc audit` reads what the API recorded; `zinc api` serves it alone.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPlatform } from '../src/platform/platform.js';
import { loadConfig } from '../src/config/index.js';
import { exitOf, repoRoot, tempDir } from './helpers/temporal.js';
import { zincBin } from './helpers/zinc-bin.js';

const TOKEN = /^zinc_[A-Za-z0-9_-]{43}$/;

function zinc(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Starts a long-running zinc command and resolves with it and its API URL once it serves. */
async function serving(
  dataDir: string,
  args: string[],
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!out.includes('Press Ctrl-C')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`zinc ${args.join(' ')} did not start:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  if (!url) throw new Error(`no API line in:\n${out}`);
  return { child, url, output: () => out };
}

/** A data dir with course COMP2011: students s1 and s2 (imported) and staff ta. */
function prepare(): { dataDir: string; collectionId: string } {
  const dataDir = tempDir('zinc-api-cli-');
  const deliveries = tempDir('zinc-api-cli-in-');
  for (const student of ['s1', 's2']) {
    mkdirSync(join(deliveries, student));
    writeFileSync(join(deliveries, student, 'main.cpp'), 'int main() { return 0; }\n');
  }
  const day = 86_400_000;
  const imported = zinc(dataDir, [
    'import',
    deliveries,
    '--course',
    'COMP2011',
    '--activity',
    'Lab 1',
    '--collection',
    'main',
    '--start',
    new Date(Date.now() - day).toISOString(),
    '--stop',
    new Date(Date.now() + 30 * day).toISOString(),
    '--json',
  ]);
  expect(imported.status, imported.stderr).toBe(0);
  const { collectionId } = JSON.parse(imported.stdout) as { collectionId: string };
  const staff = zinc(dataDir, ['user', 'add', 'ta', '--course', 'COMP2011', '--role', 'staff']);
  expect(staff.status, staff.stderr).toBe(0);
  return { dataDir, collectionId };
}

function lastWord(text: string): string {
  return text.trim().split(/\s+/).pop()!;
}

describe('the API from the command line', () => {
  it('zinc token create prints the token as its last word; the database keeps only its sha256', async () => {
    const { dataDir } = prepare();
    const made = zinc(dataDir, ['token', 'create', '--user', 'ta', '--expires', '30d']);
    expect(made.status, made.stderr).toBe(0);
    const token = lastWord(made.stdout);
    expect(token).toMatch(TOKEN);
    expect(made.stdout).toMatch(/^Token tok_\w+ for ta \(staff of COMP2011\), expires \d{4}-/);
    const student = zinc(dataDir, ['token', 'create', '--user', 's1', '--expires', 'never']);
    expect(student.stdout).toMatch(/for s1 \(student of COMP2011\), never expires/);
    expect(lastWord(student.stdout)).not.toBe(token);

    const ghost = zinc(dataDir, ['token', 'create', '--user', 'ghost']);
    expect(ghost.status).toBe(1);
    expect(ghost.stderr).toBe(
      'zinc: ghost is not a member of any course; add them first: zinc user add ghost --course <code> --role staff|student\n',
    );
    const badExpiry = zinc(dataDir, ['token', 'create', '--user', 'ta', '--expires', 'soon']);
    expect(badExpiry.status).toBe(1);
    expect(badExpiry.stderr).toMatch(/--expires: "soon" is neither an ISO-8601 time/);

    const platform = await openPlatform(loadConfig({ overrides: { dataDir }, cwd: dataDir }));
    try {
      const { rows } = await platform.db.query<Record<string, unknown>>('SELECT * FROM api_tokens');
      expect(rows).toHaveLength(2);
      const hashes = rows.map((r) => r.token_hash);
      expect(hashes).toContain(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(rows)).not.toContain(token.slice(5)); // the secret is nowhere
    } finally {
      await platform.close();
    }

    const listed = zinc(dataDir, ['token', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toHaveLength(2);
    expect(listed.stdout).not.toContain(token);
    const id = /Token (tok_\w+)/.exec(made.stdout)![1]!;
    expect(zinc(dataDir, ['token', 'revoke', id]).stdout).toBe(`Token ${id} is revoked.\n`);
  });

  it('zinc up serves the API; zinc audit shows what it did; zinc api serves it alone', async () => {
    const { dataDir, collectionId } = prepare();
    const ta = lastWord(zinc(dataDir, ['token', 'create', '--user', 'ta']).stdout);
    const s1 = lastWord(zinc(dataDir, ['token', 'create', '--user', 's1']).stdout);
    const started = new Date().toISOString();

    const up = await serving(dataDir, ['up', '--api-port', '0']);
    try {
      expect(up.output()).toMatch(
        /Temporal: +127\.0\.0\.1:\d+, namespace zinc-dev \(embedded dev server\)/,
      );
      expect(up.output()).toContain(`OpenAPI: ${up.url}/api/openapi.json`);
      expect((await fetch(`${up.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${up.url}/readyz`);
      expect(ready.status).toBe(200);
      const batches = await fetch(`${up.url}/api/batches?collectionId=${collectionId}`, {
        headers: { authorization: `Bearer ${ta}` },
      });
      expect(batches.status).toBe(200);
      expect(await batches.json()).toEqual({ batches: [] });
      const form = new FormData();
      form.append('files', new Blob(['int main() { return 1; }\n']), 'main.cpp');
      const uploaded = await fetch(`${up.url}/api/collections/${collectionId}/deliveries`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s1}` },
        body: form,
      });
      expect(uploaded.status).toBe(201);
      const refused = await fetch(`${up.url}/api/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s1}`, 'content-type': 'application/json' },
        body: JSON.stringify({ collectionId }),
      });
      expect(refused.status).toBe(403);
    } finally {
      up.child.kill('SIGTERM');
    }
    expect(await exitOf(up.child)).toBe(0);

    const audit = zinc(dataDir, ['audit', '--since', started]);
    expect(audit.status, audit.stderr).toBe(0);
    const lines = audit.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^AT +ACTOR +ACTION +TARGET +COLLECTION +OUTCOME$/);
    expect(lines[1]).toMatch(
      new RegExp(`^\\S+ +s1 +api\\.delivery\\.create +dlv_\\w+ +${collectionId} +stored$`),
    );
    expect(lines[2]).toMatch(
      /^\S+ +s1 +api\.batch\.start +\S+ +\S+ +refused 403 forbidden: s1 is not staff of course COMP2011, so may not start batches of its collections$/,
    );
    const json = zinc(dataDir, ['audit', '--since', '1h', '--json']);
    const rows = JSON.parse(json.stdout) as Array<{ actor: string; action: string }>;
    // The import, the staff member and the two tokens of prepare() come first.
    expect(rows.map((r) => [r.actor, r.action]).slice(-2)).toEqual([
      ['s1', 'api.delivery.create'],
      ['s1', 'api.batch.start'],
    ]);
    expect(rows.map((r) => r.action).slice(0, -2)).toEqual([
      'import',
      'user.add',
      'token.create',
      'token.create',
    ]);
    const future = zinc(dataDir, ['audit', '--since', '2999-01-01T00:00:00Z']);
    expect(future.stdout.trim().split('\n')).toHaveLength(1); // the header alone
    const bad = zinc(dataDir, ['audit', '--since', 'last tuesday']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^zinc: --since: "last tuesday" is neither an ISO-8601 time/);

    const alone = await serving(dataDir, ['api', '--api-port', '0']);
    try {
      expect(alone.output()).toMatch(/^zinc API is up/);
      const ready = await fetch(`${alone.url}/readyz`);
      expect(ready.status).toBe(200);
      const listed = await fetch(
        `${alone.url}/api/collections/${collectionId}/deliveries?latest=true`,
        {
          headers: { authorization: `Bearer ${ta}` },
        },
      );
      const body = (await listed.json()) as { deliveries: Array<{ userId: string }> };
      expect(body.deliveries.map((d) => d.userId)).toEqual(['s1', 's2']);
    } finally {
      alone.child.kill('SIGTERM');
    }
    expect(await exitOf(alone.child)).toBe(0);

    const badPort = zinc(dataDir, ['up', '--api-port', '70000']);
    expect(badPort.status).toBe(1);
    expect(badPort.stderr).toMatch(/^zinc up: --api-port: expected a port between 0 and 65535\n/);
  });
});
