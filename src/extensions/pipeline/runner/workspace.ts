// What goes into a delivery's work dir: the delivery's files (checked again, filtered by the
// template) and the provided assets. Test inputs and expected outputs never go in, so a student
// program cannot read them.
import { PipelineConfigError } from '../../../failures.js';
import { normalizeAssetPath } from '../config/assets.js';
import type { GradingConfig } from '../config/types.js';
import { safeRelativePath } from '../../../platform/object-keys.js';

/** A file of a delivery or of a config's assets. */
export interface PipelineFile {
  path: string;
  content: Buffer;
}

/**
 * The delivery's files by normalised path, or why the delivery cannot be graded at all: a path
 * that is absolute, climbs with `..`, repeats another, or is both a file and a folder.
 */
export function checkDeliveryPaths(
  files: readonly PipelineFile[],
): { ok: true; files: Map<string, Buffer> } | { ok: false; problem: string } {
  const out = new Map<string, Buffer>();
  for (const file of files) {
    let path: string;
    try {
      path = safeRelativePath(file.path);
    } catch (error) {
      return { ok: false, problem: `delivery file refused: ${(error as Error).message}` };
    }
    if (out.has(path)) {
      return { ok: false, problem: `delivery file refused: ${JSON.stringify(path)} appears twice` };
    }
    out.set(path, file.content);
  }
  const clash = fileFolderClash(out);
  if (clash !== null) {
    return {
      ok: false,
      problem: `delivery file refused: ${JSON.stringify(clash.folder)} is a file and also the folder of ${JSON.stringify(clash.path)}`,
    };
  }
  return { ok: true, files: out };
}

/** The first path whose folder is itself one of the files, or null. */
function fileFolderClash(
  files: ReadonlyMap<string, Buffer>,
): { folder: string; path: string } | null {
  for (const path of files.keys()) {
    const parts = path.split('/');
    for (let n = 1; n < parts.length; n++) {
      const folder = parts.slice(0, n).join('/');
      if (files.has(folder)) return { folder, path };
    }
  }
  return null;
}

/** Test inputs and expected outputs (by asset path), and the provided files: everything else. */
export interface SplitAssets {
  testData: Map<string, Buffer>;
  provided: Map<string, Buffer>;
}

/**
 * Splits the config's assets. Throws PipelineConfigError when an asset path leaves the asset
 * folder or a test's file_stdin/file_expected is not among the assets: no delivery can be graded.
 */
export function splitAssets(config: GradingConfig, assets: readonly PipelineFile[]): SplitAssets {
  const all = new Map<string, Buffer>();
  for (const asset of assets) {
    const path = normalizeAssetPath(asset.path);
    if (path === undefined) {
      throw new PipelineConfigError(
        `config asset ${JSON.stringify(asset.path)} is not a relative path inside the assets`,
      );
    }
    all.set(path, asset.content);
  }
  const testData = new Map<string, Buffer>();
  for (const stage of config.stages) {
    if (stage.kind !== 'stdioTest') continue;
    stage.testCases.forEach((testCase, i) => {
      for (const field of ['file_stdin', 'file_expected'] as const) {
        const written = testCase[field];
        if (written === undefined) continue;
        const path = normalizeAssetPath(written);
        const content = path === undefined ? undefined : all.get(path);
        if (path === undefined || content === undefined) {
          throw new PipelineConfigError(
            `${stage.key}.testCases[${i}].${field}: file ${written} is not among the config's assets`,
          );
        }
        testData.set(path, content);
      }
    });
  }
  const provided = new Map([...all].filter(([path]) => !testData.has(path)));
  return { testData, provided };
}

/**
 * The files a work dir starts with. With use_template: FILENAMES only the template files of the
 * delivery count; with use_provided the provided files are added and win over delivered files
 * of the same name (a student cannot replace a test driver), except template files, which are
 * the student's by definition.
 */
export function gradedFiles(
  config: GradingConfig,
  delivery: ReadonlyMap<string, Buffer>,
  provided: ReadonlyMap<string, Buffer>,
): Map<string, Buffer> {
  const template = templateFiles(config);
  const out = new Map<string, Buffer>();
  for (const [path, content] of delivery) {
    if (template === undefined || template.has(path)) out.set(path, content);
  }
  if (config.settings.use_provided) {
    for (const [path, content] of provided) {
      if (template === undefined || !template.has(path)) out.set(path, content);
    }
  }
  return out;
}

/** The normalised template file names, or undefined when the config has no template. */
export function templateFiles(config: GradingConfig): Set<string> | undefined {
  if (config.settings.use_template !== 'FILENAMES') return undefined;
  return new Set(config.settings.template.map((file) => normalizeAssetPath(file) ?? file));
}

/**
 * Why the work dir cannot be laid out, or null: a path that is a file in one place and a folder
 * in another (a delivered `data` beside a provided `data/x.txt`, or the reverse).
 */
export function checkPathConflicts(
  files: ReadonlyMap<string, Buffer>,
  provided: ReadonlyMap<string, Buffer>,
): string | null {
  const clash = fileFolderClash(files);
  if (clash === null) return null;
  const origin = (path: string) => (provided.has(path) ? 'provided' : 'delivered');
  return (
    `the ${origin(clash.folder)} file ${JSON.stringify(clash.folder)} has the name of the folder ` +
    `of the ${origin(clash.path)} file ${JSON.stringify(clash.path)}; rename or remove one of them`
  );
}
