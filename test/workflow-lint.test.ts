// The lint rule that keeps workflow code deterministic: under src/workflows/ no Node built-ins,
// no client/worker/activity SDK, and from the rest of zinc only types and constants.ts files.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/temporal.js';

async function lintWorkflowFile(code: string): Promise<string[]> {
  const file = join(repoRoot, 'src/workflows', `lint-probe-${process.pid}.ts`);
  writeFileSync(file, code);
  try {
    const [result] = await new ESLint({ cwd: repoRoot }).lintFiles([file]);
    return result!.messages
      .filter((m) => m.ruleId === 'no-restricted-imports')
      .map((m) => `${m.line}: ${m.message}`);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('workflow import rule', () => {
  it('refuses Node built-ins, the client/worker/activity SDK and non-constant zinc modules', async () => {
    const problems = await lintWorkflowFile(
      [
        "import { readFileSync } from 'node:fs';",
        "import path from 'path';",
        "import { Client } from '@temporalio/client';",
        "import { Worker } from '@temporalio/worker';",
        "import { Context } from '@temporalio/activity';",
        "import { createSubmissionService } from '../extensions/submission/service.js';",
        "import { formatTaskQueue } from '../temporal/task-queue.js';",
        "import { openPlatform } from '../platform/platform.js';",
        'export const used = [readFileSync, path, Client, Worker, Context, createSubmissionService, formatTaskQueue, openPlatform];',
      ].join('\n'),
    );
    // A line may break more than one rule (an extension's internals: determinism and the front door).
    expect([...new Set(problems.map((p) => Number(p.split(':')[0])))]).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(problems[0]).toMatch(/Node built-ins/);
    expect(problems[5]).toMatch(/only types and constants\.ts from the extensions/);
  });

  it('allows the workflow SDK, constants.ts files and type-only imports', async () => {
    const problems = await lintWorkflowFile(
      [
        "import { proxyActivities } from '@temporalio/workflow';",
        "import { ApplicationFailure } from '@temporalio/common';",
        "import { SUBMISSION_TASK_QUEUE } from '../extensions/submission/constants.js';",
        "import { CORE_TASK_QUEUE } from '../temporal/constants.js';",
        "import type { SubmissionService } from '../extensions/submission/index.js';",
        "import type { Platform } from '../platform/platform.js';",
        'export const used = [proxyActivities, ApplicationFailure, SUBMISSION_TASK_QUEUE, CORE_TASK_QUEUE];',
        'export type Used = [SubmissionService, Platform];',
      ].join('\n'),
    );
    expect(problems).toEqual([]);
  });
});
