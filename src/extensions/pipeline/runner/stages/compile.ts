// compile: g++/gcc/javac on the input globs' files, inside the sandbox. COMPILED or COMPILE_ERROR.
import type { CompileStage } from '../../config/types.js';
import { classifyRun } from '../../sandbox/index.js';
import type { CompileStageReport } from '../../report/types.js';
import { compileCommand } from '../commands.js';
import { matchesGlob } from '../glob.js';
import { stageCommandLimits } from '../limits.js';
import { commandFailure, commandReport, runInSandbox, sandboxOf } from '../stage-context.js';
import type { StageContext } from '../stage-context.js';

/** Compiles what the stage's input globs match in the work dir (sorted, each file once). */
export async function runCompile(
  ctx: StageContext,
  stage: CompileStage,
): Promise<Omit<CompileStageReport, 'durationMs'>> {
  const files = await sandboxOf(ctx).listFiles();
  const inputs = files.filter((file) => stage.input.some((glob) => matchesGlob(file, glob)));
  const base = { kind: 'compile' as const, key: stage.key, inputs };
  if (inputs.length === 0) {
    return {
      ...base,
      status: 'failed',
      verdict: 'COMPILE_ERROR',
      success: false,
      message: `no file matches the input ${JSON.stringify(stage.input)}; nothing to compile`,
      run: null,
    };
  }
  const { settings } = ctx.config;
  const planned = compileCommand(settings.lang, stage, inputs, stageCommandLimits(settings));
  const result = await runInSandbox(ctx, planned.command, planned.limits, {
    ...(planned.env === undefined ? {} : { env: planned.env }),
  });
  const success = classifyRun(result).verdict === 'OK';
  return {
    ...base,
    status: success ? 'succeeded' : 'failed',
    verdict: success ? 'COMPILED' : 'COMPILE_ERROR',
    success,
    message: success ? null : commandFailure(result, 'the compiler', planned.limits),
    run: commandReport(planned.command, result),
  };
}
