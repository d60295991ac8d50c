// Who may start which batch, checked in the core before any workflow starts. A batch may use only
// config versions attached to its collection (config IDs show in other courses' student reports,
// and a staff report shows hidden inputs and expected outputs), and only staff of its course may
// start one. Attack: staff of course A grade A's collection with course B's config. Refused over
// the CLI here (over the API in test/api-errors.test.ts): no workflow, no batch record, an audit
// row saying refused, a message that says what to do, and an exit code by failure type. A client
// that cannot read the database (beside a `zinc up` holding the embedded one) asks the core's
// workers through the BatchAdmission workflow, with the same outcome.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitThroughCore } from '../src/core/batch-client.js';
import { createBatchStore } from '../src/core/batch-store.js';
import { createConfigStore } from '../src/extensions/pipeline/config-store.js';
import { createSubmissionStore } from '../src/extensions/submission/store.js';
import { loadConfig } from '../src/config/index.js';
import { dataPaths } from '../src/platform/paths.js';
import { openPlatform } from '../src/platform/platform.js';
import { findTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { exitOf, repoRoot, tempDir } from './helpers/temporal.js';

const mainTs = join(repoRoot, 'src/cli/main.ts');

/** Configs that only score (nothing to compile), one per course: their IDs differ. */
const configOf = (course: string) => `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
score:
  normalizedTo: 100
# ${course}
`;

function zinc(dataDir: string, args: string[]) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', mainTs, '--data-dir', dataDir, ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('zinc grade', () => {
  it("refuses staff of A with B's config, non-staff and unknown collections, starting nothing", async () => {
    const dataDir = tempDir('zinc-admission-');
    const work = tempDir('zinc-admission-in-');
    const ids: Record<string, string> = {};
    for (const [course, student] of [
      ['A1', 'a1'],
      ['B1', 'b1'],
    ] as const) {
      mkdirSync(join(work, course, student), { recursive: true });
      writeFileSync(join(work, course, student, 'main.cpp'), 'int main() {}\n');
      const imported = zinc(dataDir, [
        'import',
        join(work, course),
        '--course',
        course,
        '--activity',
        'Lab',
        '--collection',
        'main',
        '--json',
      ]);
      expect(imported.status, imported.stderr).toBe(0);
      ids[course] = (JSON.parse(imported.stdout) as { collectionId: string }).collectionId;
      writeFileSync(join(work, `${course}.yaml`), configOf(course));
      const added = zinc(dataDir, [
        'config',
        'add',
        join(work, `${course}.yaml`),
        '--collection',
        ids[course],
      ]);
      expect(added.status, added.stderr).toBe(0);
      ids[`cfg${course}`] = added.stdout.trim();
    }
    expect(zinc(dataDir, ['user', 'add', 'ta', '--course', 'A1', '--role', 'staff']).status).toBe(
      0,
    );
    const colA = ids.A1!;
    const cfgB = ids.cfgB1!;

    const foreignConfig = zinc(dataDir, ['grade', colA, '--config-version', cfgB, '--as', 'ta']);
    expect(foreignConfig.status, foreignConfig.stderr).toBe(3);
    expect(foreignConfig.stdout).toBe('');
    expect(foreignConfig.stderr).toBe(
      `zinc grade: grading config ${cfgB} is not attached to collection ${colA}; a batch may use only its collection's configs (zinc config add <config.yaml> --collection ${colA} attaches one)\n`,
    );

    // `--config` is zinc's configuration file: a config version given there is pointed to
    // --config-version, before anything starts.
    const misplaced = zinc(dataDir, ['grade', colA, '--config', cfgB, '--as', 'ta']);
    expect(misplaced.status).toBe(1);
    expect(misplaced.stderr).toContain(
      `zinc grade: --config names zinc's configuration file; give a grading-config version with --config-version ${cfgB}`,
    );

    const student = zinc(dataDir, ['grade', colA, '--as', 'a1']);
    expect(student.status, student.stderr).toBe(3);
    expect(student.stderr).toBe(
      'zinc grade: a1 is not staff of course A1, so may not start batches of its collections\n' +
        'To grade it, a1 must be staff of course A1: zinc user add a1 --course A1 --role staff\n',
    );

    const unknown = zinc(dataDir, ['grade', 'col_nowhere', '--as', 'ta']);
    expect(unknown.status, unknown.stderr).toBe(4);
    expect(unknown.stderr).toBe('zinc grade: collection col_nowhere does not exist\n');

    // No batch record, and one audit row per refusal saying so.
    const config = loadConfig({ overrides: { dataDir }, cwd: dataDir });
    const platform = await openPlatform(config);
    try {
      const { rows } = await platform.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM batches',
      );
      expect(rows[0]!.n).toBe(0);
      // (The import, user and config rows of the set-up come first; the refusals are these.)
      const audit = (await createBatchStore(platform.db).listAudit()).filter(
        (a) => a.action === 'batch.start',
      );
      expect(audit.map((a) => [a.actor, a.action, a.target, a.outcome.split(':')[0]])).toEqual([
        ['ta', 'batch.start', colA, 'refused'],
        ['a1', 'batch.start', colA, 'refused'],
        ['ta', 'batch.start', 'col_nowhere', 'refused'],
      ]);
      expect(audit[0]!.outcome).toBe(`refused: ${foreignConfig.stderr.slice(12, -1)}`);
      expect(audit[0]!.details).toMatchObject({
        failure: 'ConfigNotAttached',
        configVersion: cfgB,
      });
    } finally {
      await platform.close();
    }

    // And no workflow at all in the embedded server's history.
    const server = await startDevServer({
      cliPath: findTemporalCli(),
      stateDir: dataPaths(dataDir).temporal,
      namespace: config.temporal.namespace,
      ui: false,
    });
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      expect((await client.workflow.count()).count).toBe(0);
      const wouldBe = client.workflow.getHandle(`batch-${colA}-${cfgB}-1`);
      await expect(wouldBe.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    } finally {
      await connection.close();
      await server.stop();
    }

    // Beside a `zinc up` that holds the embedded database, zinc grade asks its core workers.
    const up = spawn(
      process.execPath,
      ['--import', 'tsx', mainTs, '--data-dir', dataDir, 'up', '--api-port', '0'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let out = '';
      up.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      for (let i = 0; i < 1200 && !out.includes('Press Ctrl-C'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toContain('Press Ctrl-C');
      const beside = zinc(dataDir, ['grade', colA, '--config-version', cfgB, '--as', 'ta']);
      expect(beside.status, beside.stderr).toBe(3);
      expect(beside.stderr).toBe(foreignConfig.stderr);
      const listed = zinc(dataDir, ['batch', 'list', '--json']);
      expect(JSON.parse(listed.stdout)).toEqual([]);
    } finally {
      up.kill('SIGTERM');
    }
    expect(await exitOf(up)).toBe(0);
    const after = await openPlatform(config);
    try {
      const audit = (await createBatchStore(after.db).listAudit()).filter(
        (a) => a.action === 'batch.start',
      );
      expect(audit).toHaveLength(4);
      expect(audit[3]).toMatchObject({ actor: 'ta', outcome: audit[0]!.outcome });
      const { rows } = await after.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM batches',
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      await after.close();
    }
  }, 900_000);
});

describe('admission through the core workers', () => {
  let stack: TestStack;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack();
    const store = createSubmissionStore(stack.platform.db);
    const configs = createConfigStore(stack.platform);
    await store.ensureUser({ id: 'ta' });
    for (const code of ['A2', 'B2']) {
      const course = await store.ensureCourse({ code });
      const activity = await store.ensureActivity(course.id, 'Lab');
      const collection = await store.ensureCollection(
        activity.id,
        'main',
        '2026-01-01T00:00:00Z',
        '2027-01-01T00:00:00Z',
      );
      const { id } = await configs.addVersion(configOf(code), []);
      await configs.attachToCollection(collection.id, id);
      ids[code] = collection.id;
      ids[`cfg${code}`] = id;
      ids[`course${code}`] = course.id;
    }
    await store.setMember(ids.courseA2!, 'ta', 'staff');
    await stack.startWorkers();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("refuses B's config on A's collection and audits it, and admits A's own config", async () => {
    const refused = await admitThroughCore(stack.temporal, {
      collectionId: ids.A2!,
      configVersion: ids.cfgB2!,
      requestedBy: 'ta',
    });
    expect(refused).toEqual({
      admitted: false,
      refusal: {
        failure: 'ConfigNotAttached',
        message: `grading config ${ids.cfgB2} is not attached to collection ${ids.A2}; a batch may use only its collection's configs (zinc config add <config.yaml> --collection ${ids.A2} attaches one)`,
        userId: 'ta',
        courseCode: 'A2',
      },
    });
    const admitted = await admitThroughCore(stack.temporal, {
      collectionId: ids.A2!,
      configVersion: ids.cfgA2!,
      requestedBy: 'ta',
    });
    expect(admitted).toEqual({
      admitted: true,
      admission: { collectionId: ids.A2, courseId: ids.courseA2, courseCode: 'A2' },
    });

    const audit = await createBatchStore(stack.platform.db).listAudit();
    expect(audit).toHaveLength(1); // the refusal; an admission is audited when its batch starts
    expect(audit[0]).toMatchObject({
      actor: 'ta',
      action: 'batch.start',
      target: ids.A2,
      courseId: ids.courseA2,
      collectionId: ids.A2,
      outcome: `refused: ${(refused as { refusal: { message: string } }).refusal.message}`,
    });
    const { rows } = await stack.platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM batches',
    );
    expect(rows[0]!.n).toBe(0);
    const batch = stack.temporal.client.workflow.getHandle(`batch-${ids.A2}-${ids.cfgB2}-1`);
    await expect(batch.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
