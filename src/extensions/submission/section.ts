// The `submission` section of zinc's configuration, owned by the extension: limits on one
// delivery, and each student's upload quota in a collection. Public (with index.ts and constants.ts): the configuration loader composes it.
import { z } from 'zod';
import type { DeliveryLimits } from './delivery-files.js';

const positive = z.coerce.number().positive('expected a number above 0');

/** Limits on one delivery; uploads and imports over them are refused with the reason. */
export const deliveryLimitsSchema = z.strictObject({
  max_files: z.coerce.number().int().min(1).default(200),
  max_total_mb: positive.default(50),
  max_file_mb: positive.default(10),
  /** Unpacked bytes per archive byte; more is treated as an archive bomb. */
  max_expansion_ratio: positive.default(100),
  /** The upload quota: deliveries one student may make to one collection (0: none). */
  max_deliveries_per_student: z.coerce.number().int().min(0).default(100),
  /** The upload quota: MiB one student's deliveries to one collection may add up to (0: none). */
  max_mb_per_student: z.coerce.number().min(0).default(500),
});

export const submissionConfigSchema = z.strictObject({
  limits: deliveryLimitsSchema.default(deliveryLimitsSchema.parse({})),
});

export type SubmissionConfig = z.infer<typeof submissionConfigSchema>;

/** The configured limits, in bytes. */
export function deliveryLimitsFrom(config: SubmissionConfig): DeliveryLimits {
  const l = config.limits;
  const MiB = 1024 * 1024;
  return {
    maxFiles: l.max_files,
    maxTotalBytes: Math.floor(l.max_total_mb * MiB),
    maxFileBytes: Math.floor(l.max_file_mb * MiB),
    maxExpansionRatio: l.max_expansion_ratio,
    maxDeliveriesPerStudent: l.max_deliveries_per_student,
    maxBytesPerStudent: Math.floor(l.max_mb_per_student * MiB),
  };
}

/** The `submission` section, owned by the submission extension. */
export const submissionSection = {
  key: 'submission',
  schema: submissionConfigSchema,
  env: {},
} as const;
