// The lint rule that keeps workflow code deterministic: under src/workflows/ no Node built-ins,
// no client/worker/activity SDK, no OpenTelemetry but the SDK's workflow-side interceptors, and
// from the rest of zinc only types and constants.ts files.
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
  it('refuses Node built-ins, the client/worker/activity SDK, non-constant zinc modules and OpenTelemetry beyond the workflow interceptors', async () => {
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
        "import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';",
        "import { trace } from '@opentelemetry/api';",
        'export const used = [readFileSync, path, Client, Worker, Context, createSubmissionService, formatTaskQueue, openPlatform, makeWorkflowExporter, trace];',
      ].join('\n'),
    );
    // A line may break more than one rule (an extension's internals: determinism and the front door).
    expect([...new Set(problems.map((p) => Number(p.split(':')[0])))]).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(problems.at(-1)).toMatch(
      /only @temporalio\/interceptors-opentelemetry\/lib\/workflow-interceptors/,
    );
    expect(problems[0]).toMatch(/Node built-ins/);
    expect(problems[5]).toMatch(/only types and constants\.ts from the extensions/);
  });

  it('allows the workflow SDK, constants.ts files, type-only imports and the workflow-side tracing interceptors', async () => {
    const problems = await lintWorkflowFile(
      [
        "import { proxyActivities } from '@temporalio/workflow';",
        "import { ApplicationFailure } from '@temporalio/common';",
        "import { SUBMISSION_TASK_QUEUE } from '../extensions/submission/constants.js';",
        "import { CORE_TASK_QUEUE } from '../temporal/constants.js';",
        "import type { SubmissionService } from '../extensions/submission/index.js';",
        "import type { Platform } from '../platform/platform.js';",
        "import { interceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';",
        'export const used = [proxyActivities, ApplicationFailure, SUBMISSION_TASK_QUEUE, CORE_TASK_QUEUE, interceptors];',
        'export type Used = [SubmissionService, Platform];',
      ].join('\n'),
    );
    expect(problems).toEqual([]);
  });
});
