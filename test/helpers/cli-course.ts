// Test helper: a course made with the `zinc` command as a TA makes one (import one folder per
// student, make the TA staff, attach a grading config), for the CLI tests' data dirs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temporal.js';

/** Runs `zinc <args>` on the test's data dir. */
export type ZincRun = (args: string[]) => {
  status: number | null;
  stdout: string;
  stderr: string;
};

export interface CliCourseOptions {
  /** Each student's program, stored as `file` in the student's folder. */
  programs: Readonly<Record<string, string>>;
  /** The grading config's YAML. */
  config: string;
  /** The program's file name; default main.cpp. */
  file?: string;
  /** Who becomes staff of the course; default ta. */
  staff?: string;
  /** The collection's window (ISO times); default: what `zinc import` chooses. */
  window?: { start: string; stop: string };
  /** The config's assets by file name (given with --assets); default none. */
  assets?: Readonly<Record<string, string>>;
}

function ok(run: ReturnType<ZincRun>, what: string): string {
  if (run.status !== 0) throw new Error(`${what} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

/**
 * Course C1, activity A1, collection "main" with one delivery per program, `staff` its staff
 * and the config attached; returns the collection's ID and the config's version.
 */
export function cliCourse(
  zinc: ZincRun,
  options: CliCourseOptions,
): { collectionId: string; configVersion: string } {
  const input = tempDir('zinc-cli-course-');
  for (const [student, program] of Object.entries(options.programs)) {
    mkdirSync(join(input, student));
    writeFileSync(join(input, student, options.file ?? 'main.cpp'), program);
  }
  const configFile = join(tempDir('zinc-cli-config-'), 'grading.yaml');
  writeFileSync(configFile, options.config);
  const imported = ok(
    zinc([
      'import',
      input,
      '--course',
      'C1',
      '--activity',
      'A1',
      '--collection',
      'main',
      ...(options.window ? ['--start', options.window.start, '--stop', options.window.stop] : []),
      '--json',
    ]),
    'zinc import',
  );
  const { collectionId } = JSON.parse(imported) as { collectionId: string };
  const staff = options.staff ?? 'ta';
  ok(zinc(['user', 'add', staff, '--course', 'C1', '--role', 'staff']), 'zinc user add');
  const assets: string[] = [];
  if (options.assets) {
    const dir = tempDir('zinc-cli-assets-');
    for (const [name, content] of Object.entries(options.assets)) {
      writeFileSync(join(dir, name), content);
    }
    assets.push('--assets', dir);
  }
  const added = ok(
    zinc(['config', 'add', configFile, '--collection', collectionId, ...assets]),
    'zinc config add',
  );
  return { collectionId, configVersion: added.trim() };
}
