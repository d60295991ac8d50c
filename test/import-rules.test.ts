// The layering rules, run through ESLint itself on probe files placed in the tree:
// - outside an extension, only its front door (index.ts) and its leaf modules (constants.ts,
//   section.ts) may be imported, types included;
// - extensions never import each other (the composition root in src/main links them);
// - src/platform imports nothing of zinc but src/failures.ts;
// - only the configuration loader (src/config) reads process.env;
// - every failure type is a class in src/failures.ts, so none may be declared elsewhere.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/temporal.js';

const RULES = ['no-restricted-imports', 'no-restricted-properties', 'no-restricted-syntax'];

/** Probe files by path under the repository, and the problems ESLint found in each. */
const probes: Record<string, string> = {
  // A CLI module: front doors yes, internals no, no environment, no error classes.
  'src/cli/lint-probe.ts': [
    "import { submissionExtension } from '../extensions/submission/index.js';",
    "import { PIPELINE_TASK_QUEUE } from '../extensions/pipeline/constants.js';",
    "import { pipelineSection } from '../extensions/pipeline/section.js';",
    "import { createSubmissionService } from '../extensions/submission/service.js';",
    "import type { ReportStore } from '../extensions/pipeline/report-store.js';",
    "import { failureSpec } from '../failures.js';",
    'export const user = process.env.ZINC_USER;',
    'export class HomeMadeError extends Error {}',
    'export const used = [submissionExtension, PIPELINE_TASK_QUEUE, pipelineSection, createSubmissionService, failureSpec];',
    'export type Used = ReportStore;',
  ].join('\n'),
  // The platform: its own modules and the failure types only.
  'src/platform/lint-probe.ts': [
    "import { DatabaseUnavailableError } from '../failures.js';",
    "import type { Database } from './database.js';",
    "import type { BatchStore } from '../core/batch-store.js';",
    "import { loadConfig } from '../config/index.js';",
    "import { submissionExtension } from '../extensions/submission/index.js';",
    'export const used = [DatabaseUnavailableError, loadConfig, submissionExtension];',
    'export type Used = [Database, BatchStore];',
  ].join('\n'),
  // Inside the pipeline extension: its own internals yes, the submission extension never.
  'src/extensions/pipeline/lint-probe.ts': [
    "import { createPipelineService } from './service.js';",
    "import { runPipeline } from './runner/index.js';",
    "import { submissionExtension } from '../submission/index.js';",
    "import { SUBMISSION_TASK_QUEUE } from '../../extensions/submission/constants.js';",
    'export const used = [createPipelineService, runPipeline, submissionExtension, SUBMISSION_TASK_QUEUE];',
  ].join('\n'),
  // The loader is the one reader of the environment.
  'src/config/lint-probe.ts': 'export const fromEnv = process.env.ZINC_CONFIG;',
};

let found: Record<string, string[]> = {};

beforeAll(async () => {
  const files = Object.entries(probes).map(([path, code]) => {
    const file = join(repoRoot, path.replace('lint-probe', `lint-probe-${process.pid}`));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${code}\n`);
    return [path, file] as const;
  });
  try {
    const results = await new ESLint({ cwd: repoRoot }).lintFiles(files.map(([, file]) => file));
    found = Object.fromEntries(
      files.map(([path, file]) => [
        path,
        results
          .find((r) => r.filePath === file)!
          .messages.filter((m) => RULES.includes(m.ruleId ?? ''))
          .map((m) => `${m.line}: ${m.message}`),
      ]),
    );
  } finally {
    for (const [, file] of files) rmSync(file, { force: true });
  }
}, 180_000);

afterAll(() => {
  found = {};
});

const lines = (path: string) => found[path]!.map((p) => Number(p.split(':')[0]));

describe('layering rules', () => {
  it('outside an extension: its front door and leaf modules only; no environment, no error classes', () => {
    expect(lines('src/cli/lint-probe.ts')).toEqual([4, 5, 7, 8]);
    const problems = found['src/cli/lint-probe.ts']!;
    expect(problems[0]).toMatch(/front door/);
    expect(problems[2]).toMatch(/ZincConfig/);
    expect(problems[3]).toMatch(/src\/failures\.ts/);
  });

  it('the platform imports nothing of zinc but the failure types', () => {
    expect(lines('src/platform/lint-probe.ts')).toEqual([3, 4, 5]);
    expect(found['src/platform/lint-probe.ts']![0]).toMatch(/imports nothing of the rest of zinc/);
  });

  it('extensions never import each other', () => {
    expect(lines('src/extensions/pipeline/lint-probe.ts')).toEqual([3, 4]);
    expect(found['src/extensions/pipeline/lint-probe.ts']![0]).toMatch(/never import each other/);
  });

  it('the configuration loader may read the environment', () => {
    expect(found['src/config/lint-probe.ts']).toEqual([]);
  });
});
