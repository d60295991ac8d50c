// `zinc grade` and `zinc batch regrade-failed` ask the core whether the batch may start before
// any workflow starts: directly against the database when this process can read the one the
// workers use (its own embedded stack, or a shared PostgreSQL), else through the core's workers
// (a `zinc up` on this data dir holds the embedded database). A refusal is printed with what to
// do about it and ends the command with its failure type's exit code.
import { failureSpec } from '../failures.js';
import type { BatchRefusal, BatchRequest } from '../core/batch-admission.js';
import { admitThroughCore } from '../core/batch-client.js';
import type { ZincConfig } from '../config/index.js';
import { withZinc, type Zinc } from '../main/zinc.js';
import type { Stack } from './stack.js';

type Decision = Awaited<ReturnType<Zinc['core']['admit']>>;

/** The core's decision on `request`, read where this process can read it. */
export async function admitFromCli(
  stack: Stack,
  config: ZincConfig,
  request: BatchRequest,
): Promise<Decision> {
  if (stack.inProcess) return stack.inProcess.zinc.core.admit(request);
  if (config.database.url) return withZinc(config, (zinc) => zinc.core.admit(request));
  return admitThroughCore(stack.temporal, request);
}

/** What a refusal tells the user: the reason, and how to become staff when that is the reason. */
export function refusalText(command: string, refusal: BatchRefusal): string {
  let text = `${command}: ${refusal.message}`;
  if (refusal.failure === 'Forbidden' && refusal.courseCode) {
    text += `\nTo grade it, ${refusal.userId} must be staff of course ${refusal.courseCode}: zinc user add ${refusal.userId} --course ${refusal.courseCode} --role staff`;
  }
  return `${text}\n`;
}

/** Prints the refusal on stderr and sets the exit code of its failure type. */
export function reportRefusal(command: string, refusal: BatchRefusal): void {
  process.stderr.write(refusalText(command, refusal));
  process.exitCode = failureSpec(refusal.failure)?.exit ?? 1;
}
