// make and shellExec: one command in the sandbox; the stage fails unless it exits 0 in its limits.
import type { MakeStage, ShellExecStage } from '../../config/types.js';
import { classifyRun } from '../../sandbox/index.js';
import type { CommandStageReport } from '../../report/types.js';
import { makeCommand, shellCommand } from '../commands.js';
import { stageCommandLimits } from '../limits.js';
import { commandFailure, commandReport, runInSandbox } from '../stage-context.js';
import type { StageContext } from '../stage-context.js';

/** Runs `make args targets` or `/bin/sh -c cmd` in the work dir. */
export async function runCommandStage(
  ctx: StageContext,
  stage: MakeStage | ShellExecStage,
): Promise<Omit<CommandStageReport, 'durationMs'>> {
  const command = stage.kind === 'make' ? makeCommand(stage) : shellCommand(stage.cmd);
  const limits = stageCommandLimits(ctx.config.settings);
  const result = await runInSandbox(ctx, command, limits);
  const success = classifyRun(result).verdict === 'OK';
  return {
    kind: stage.kind,
    key: stage.key,
    status: success ? 'succeeded' : 'failed',
    success,
    message: success
      ? null
      : commandFailure(result, stage.kind === 'make' ? 'make' : 'the command', limits),
    run: commandReport(command, result),
  };
}
