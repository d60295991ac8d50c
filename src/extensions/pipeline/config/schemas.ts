// zod shapes of the config's sections. They check types, enums and ranges field by field; rules
// across fields and stages live in checks.ts. Values are as staff wrote them, nulls removed.
import { z } from 'zod';
import { DIFF_IGNORE_FLAGS, HIDDEN_ITEMS, VISIBILITIES } from './types.js';
import type { StageKind } from './types.js';

const text = z.string();
const nonEmptyText = z.string().min(1);
const textList = z.array(z.string());
const positive = z.number().positive();
const nonNegative = z.number().nonnegative();

/** Fields ZINC knows that zinc recognises but cannot honour yet: a clear problem, not "unknown". */
export const NOT_SUPPORTED_YET = z.unknown().optional();

export const settingsSchema = z.strictObject({
  lang: text,
  use_template: z.enum(['FILENAMES', 'PATH']).optional(),
  template: textList.optional(),
  use_provided: z.boolean().optional(),
  use_skeleton: z.boolean().optional(),
  stage_wait_duration_secs: positive.optional(),
  cpus: positive.optional(),
  mem_gb: positive.optional(),
  early_return_on_throw: z.boolean().optional(),
  enable_features: z
    .strictObject({ network: z.boolean().optional(), gpu_device: NOT_SUPPORTED_YET })
    .optional(),
  lang_version_may_differ: z.boolean().optional(),
});
export type RawSettings = z.infer<typeof settingsSchema>;

const limitFields = {
  time_limit_secs: positive.optional(),
  memory_limit_mb: positive.optional(),
  output_limit_kb: positive.optional(),
};

export const testCaseSchema = z.strictObject({
  id: z.int().nonnegative(),
  file: nonEmptyText,
  args: textList.optional(),
  stdin: text.optional(),
  file_stdin: nonEmptyText.optional(),
  expected: text.optional(),
  file_expected: nonEmptyText.optional(),
  visibility: z.enum(VISIBILITIES).optional(),
  hide_from_report: z.array(z.enum(HIDDEN_ITEMS)).optional(),
  score: nonNegative.optional(),
  valgrind: NOT_SUPPORTED_YET,
  ...limitFields,
});
export type RawTestCase = z.infer<typeof testCaseSchema>;

export const stageSchemas = {
  fileStructureValidation: z.strictObject({ ignore_in_submission: textList.optional() }),
  compile: z.strictObject({
    input: z.array(nonEmptyText).min(1),
    output: nonEmptyText.optional(),
    flags: textList.optional(),
  }),
  make: z.strictObject({ targets: textList.optional(), args: textList.optional() }),
  shellExec: z.strictObject({ cmd: nonEmptyText }),
  stdioTest: z.strictObject({
    diff_ignore_flags: z.array(z.enum(DIFF_IGNORE_FLAGS)).optional(),
    testCases: z.array(testCaseSchema).min(1),
    ...limitFields,
  }),
  score: z.strictObject({
    normalizedTo: positive.optional(),
    minScore: nonNegative.optional(),
    maxScore: nonNegative.optional(),
  }),
} satisfies Record<StageKind, z.ZodType>;

export type RawStage<K extends StageKind> = z.infer<(typeof stageSchemas)[K]>;

/** Fields the not-yet-supported markers stand for, by where they appear. */
export const NOT_SUPPORTED_FIELDS: Record<string, string> = {
  gpu_device: 'GPU devices are not supported yet',
  valgrind: 'valgrind checks are not supported yet',
};

/** The field names a mapping accepts, for "did you mean" hints on unknown fields. */
export function fieldNames(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
