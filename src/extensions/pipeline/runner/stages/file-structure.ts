// fileStructureValidation: are the template files in the delivery? MISSING_FILES when not.
import type { FileStructureValidationStage } from '../../config/types.js';
import type { FileStructureStageReport } from '../../report/types.js';
import { ignoredBy } from '../glob.js';
import type { StageContext } from '../stage-context.js';
import { templateFiles } from '../workspace.js';

/** Lists missing template files (the stage fails) and extra delivered files (reported only). */
export function runFileStructureValidation(
  ctx: StageContext,
  stage: FileStructureValidationStage,
): Omit<FileStructureStageReport, 'durationMs'> {
  const template = templateFiles(ctx.config) ?? new Set<string>();
  const delivered = new Set(
    ctx.deliveredPaths.filter((path) => !ignoredBy(path, stage.ignore_in_submission)),
  );
  const missingFiles = [...template].filter((file) => !delivered.has(file)).sort();
  const extraFiles = [...delivered].filter((path) => !template.has(path)).sort();
  const missing = missingFiles.length > 0;
  return {
    kind: 'fileStructureValidation',
    key: stage.key,
    status: missing ? 'failed' : 'succeeded',
    verdict: missing ? 'MISSING_FILES' : null,
    missingFiles,
    extraFiles,
  };
}
