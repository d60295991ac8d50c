// compile: g++/gcc/javac on the input globs' files, inside the sandbox. COMPILED or COMPILE_ERROR.
import type { CompileStage } from '../../config/types.js';
import { classifyRun } from '../../sandbox/index.js';
import type { CompileStageReport } from '../../report/types.js';
import { compileCommand } from '../commands.js';
import { matchesGlob } from '../glob.js';
import { templateFiles } from '../workspace.js';
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
      message: nothingToCompile(ctx, stage),
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

/**
 * Why nothing was compiled. With a template, a delivered file the input matches but the template
 * does not name (`Main.cpp` for `main.cpp`) never reached the work dir: say so, and which
 * template file it may have meant, rather than "no file matches" for a file the student sees.
 */
function nothingToCompile(ctx: StageContext, stage: CompileStage): string {
  const base = `no file matches the input ${JSON.stringify(stage.input)}; nothing to compile`;
  const template = templateFiles(ctx.config);
  if (template === undefined) return base;
  const excluded = ctx.deliveredPaths.filter(
    (path) => !template.has(path) && stage.input.some((glob) => matchesGlob(path, glob)),
  );
  if (excluded.length === 0) return base;
  const expected = [...template].join(', ');
  const meant = excluded.map((path) => {
    const same = [...template].find((t) => t.toLowerCase() === path.toLowerCase());
    return same === undefined ? path : `${path} (did you mean ${same}?)`;
  });
  return `${base}: ${meant.join(', ')} ${excluded.length === 1 ? 'was' : 'were'} delivered but ${excluded.length === 1 ? 'is' : 'are'} not among the template's files (${expected}), so ${excluded.length === 1 ? 'it was' : 'they were'} left out`;
}
