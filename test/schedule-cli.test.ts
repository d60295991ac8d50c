// Windows and grading schedules from the command line, as a TA runs them on one data dir beside
// a running `zinc up` (which serves the embedded database and Temporal, and fires the schedules):
// `zinc import` without --stop
// leaves the collection open (an at-close schedule is refused until it has a stop time);
// `zinc collections set-window` gives it one (staff only, audited; bad times refused, nothing
// changed); `zinc schedule grade --at-close` schedules the batch at the stop time plus the grace
// and moves when the stop time does; pause, unpause and delete; a student is refused throughout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { OPEN_STOP } from '../src/extensions/submission/constants.js';
import { exitOf, repoRoot, tempDir } from './helpers/temporal.js';
import { ADD_CONFIG } from './helpers/sum-course.js';
import { zincBin } from './helpers/zinc-bin.js';
import { cliCourse } from './helpers/cli-course.js';

const ADD = '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n';

function zinc(dataDir: string, args: string[]) {
  const run = spawnSync(process.execPath, [zincBin(), '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ZINC_USER: 'ta' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) {
    child.kill('SIGINT');
    await exitOf(child);
  }
});

/** Starts `zinc up` on the data dir; resolves once it serves. */
async function zincUp(dataDir: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [zincBin(), '--data-dir', dataDir, 'up', '--api-port', '0'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  while (!out.includes('Press Ctrl-C')) {
    if (child.exitCode !== null) throw new Error(`zinc up did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Window {
  startAt: string;
  stopAt: string;
}

describe('zinc collections set-window and zinc schedule', () => {
  it('opens an imported collection, sets its window, and moves its at-close schedule', async () => {
    const dataDir = tempDir();
    const run = (args: string[]) => zinc(dataDir, args);
    const { collectionId, configVersion } = cliCourse(run, {
      programs: { s1: ADD, s2: ADD },
      config: ADD_CONFIG,
    });
    await zincUp(dataDir);
    const windowOf = (): Window => {
      const listed = JSON.parse(run(['collections', 'list', '--json']).stdout) as Array<
        Window & { id: string }
      >;
      const { startAt, stopAt } = listed.find((c) => c.id === collectionId)!;
      return { startAt, stopAt };
    };
    const opened = windowOf();
    expect(opened.stopAt).toBe(OPEN_STOP);
    expect(Date.parse(opened.startAt)).toBeLessThanOrEqual(Date.now());

    const tooEarly = run(['schedule', 'grade', collectionId, '--at-close']);
    expect(tooEarly.status).toBe(1);
    expect(tooEarly.stderr).toBe(
      `zinc schedule grade: collection ${collectionId} has no stop time yet, so it never closes; give it one with zinc collections set-window ${collectionId} --stop <time>\n`,
    );

    // Refusals change nothing.
    const student = run(['collections', 'set-window', collectionId, '--stop', '2h', '--as', 's1']);
    expect(student.status).toBe(3);
    expect(student.stderr).toBe(
      'zinc collections set-window: s1 is not staff of course C1, so may not change the windows of its collections\n',
    );
    const backwards = run(['collections', 'set-window', collectionId, '--stop', '2001-01-01']);
    expect(backwards.status).toBe(1);
    expect(backwards.stderr).toMatch(
      /^zinc collections set-window: collection main: stop 2001-01-01T00:00:00.000Z must be after start /,
    );
    const garbage = run(['collections', 'set-window', collectionId, '--stop', 'friday']);
    expect(garbage.status).toBe(1);
    expect(garbage.stderr).toContain('--stop: "friday" is neither an ISO-8601 time');
    expect(windowOf()).toEqual(opened);

    const stop = new Date(Math.ceil((Date.now() + 7_200_000) / 1000) * 1000).toISOString();
    const set = run(['collections', 'set-window', collectionId, '--stop', stop]);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toBe(
      `Collection ${collectionId} is open from ${opened.startAt} to ${stop} (was ${opened.startAt} to open (no stop)).\n`,
    );
    expect(windowOf()).toEqual({ startAt: opened.startAt, stopAt: stop });

    const refused = run(['schedule', 'grade', collectionId, '--at-close', '--as', 's1']);
    expect(refused.status).toBe(3);
    const scheduleId = `grade-${collectionId}-${configVersion}`;
    const created = run([
      'schedule',
      'grade',
      collectionId,
      '--at-close',
      '--grace',
      '5m',
      '--config-version',
      configVersion,
    ]);
    expect(created.status, created.stderr).toBe(0);
    const fireAt = new Date(Date.parse(stop) + 300_000).toISOString();
    expect(created.stdout).toContain(
      `Schedule ${scheduleId} created: grades ${collectionId} at close + 300 s: ${fireAt}.\n`,
    );
    const list = () =>
      JSON.parse(
        run(['schedule', 'list', '--collection', collectionId, '--json']).stdout,
      ) as Array<{
        scheduleId: string;
        fireAt: string;
        state: string;
        requestedBy: string;
      }>;
    expect(list()).toEqual([
      expect.objectContaining({ scheduleId, fireAt, state: 'scheduled', requestedBy: 'ta' }),
    ]);

    const later = new Date(Date.parse(stop) + 3_600_000).toISOString();
    const moved = run(['collections', 'set-window', collectionId, '--stop', later]);
    expect(moved.status, moved.stderr).toBe(0);
    const movedAt = new Date(Date.parse(later) + 300_000).toISOString();
    expect(moved.stdout).toContain(`Schedule ${scheduleId} moved: fires at ${movedAt}.\n`);
    expect(list()).toEqual([expect.objectContaining({ scheduleId, fireAt: movedAt })]);

    expect(run(['schedule', 'pause', scheduleId, '--as', 's1']).status).toBe(3);
    const paused = run(['schedule', 'pause', scheduleId]);
    expect(paused.status, paused.stderr).toBe(0);
    expect(list()[0]!.state).toBe('paused');
    expect(run(['schedule', 'unpause', scheduleId]).status).toBe(0);
    const deleted = run(['schedule', 'delete', scheduleId]);
    expect(deleted.stdout).toBe(`Schedule ${scheduleId} deleted.\n`);
    expect(list()).toEqual([]);
    const again = run(['schedule', 'delete', scheduleId]);
    expect(again.status).toBe(4);

    const audit = (
      JSON.parse(run(['audit', '--collection', collectionId, '--json']).stdout) as Array<{
        actor: string;
        action: string;
        outcome: string;
      }>
    )
      .filter((r) => r.action.startsWith('schedule.') || r.action === 'collection.window')
      .map((r) => `${r.actor} ${r.action} ${r.outcome.split(':')[0]}`);
    expect(audit).toEqual([
      'ta schedule.create refused',
      's1 collection.window refused',
      'ta collection.window refused',
      'ta collection.window changed',
      's1 schedule.create refused',
      'ta schedule.create created',
      'ta collection.window changed',
      's1 schedule.pause refused',
      'ta schedule.pause paused',
      'ta schedule.unpause unpaused',
      'ta schedule.delete deleted',
    ]);
  }, 900_000);
});
