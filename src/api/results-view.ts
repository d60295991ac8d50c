// Results as the API shows them (a batch's, a collection's gradebook): the JSON shape that
// `zinc batch results --format json` and `zinc collections gradebook --format json` print too,
// or CSV when asked for with ?format=csv or Accept: text/csv.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { toCsv } from '../core/results-csv.js';
import type { ResultRow } from '../core/batch-results.js';
import { BATCH_STATUSES } from '../workflows/grading/types.js';

export const resultRowSchema = z.object({
  student: z.string(),
  verdict: z
    .string()
    .describe(
      'the headline verdict (docs/batches.md), ERRORED, or in a gradebook NO_DELIVERY or NOT_GRADED',
    ),
  score: z.number().nullable().describe('the final score; null when not graded'),
  maxScore: z.number().nullable(),
  points: z.number().nullable().describe("the raw points: the sum of the tests' points"),
  maxPoints: z.number().nullable(),
  tests: z.array(
    z.object({
      test: z.string().describe('`<stage key>#<test id>`'),
      verdict: z.string(),
      points: z.number(),
      maxPoints: z.number(),
    }),
  ),
  verdicts: z.record(z.string(), z.number()).describe('verdicts the report counts, present only'),
  reason: z.string().nullable().describe('why the row has no score (the ERRORED reason...)'),
  delivery: z.string().nullable(),
  submittedAt: z.string().nullable(),
  late: z.boolean().describe("delivered after the collection's stop time"),
  lateBySecs: z.number().nullable(),
  identicalTo: z
    .array(z.string())
    .describe('other students whose delivery is byte-identical (a hint, never a verdict)'),
  identicalGroup: z.number().nullable(),
  batchId: z.string().nullable().describe('the batch the result comes from'),
});

export const identicalGroupSchema = z.object({
  group: z.number(),
  students: z.array(z.string()),
  deliveries: z.array(z.string()),
});

export const batchResultsSchema = z.object({
  batchId: z.string(),
  collectionId: z.string(),
  status: z.enum(BATCH_STATUSES),
  partial: z.boolean().describe('true while the batch runs: rows are still being added'),
  total: z.number().describe('deliveries the batch grades'),
  identical: z.array(identicalGroupSchema),
  rows: z.array(resultRowSchema),
});

export const gradebookSchema = z.object({
  collectionId: z.string(),
  course: z.string(),
  partial: z.boolean().describe('true while a batch of the collection runs'),
  batches: z.array(z.string()).describe('the batches the rows come from, oldest first'),
  identical: z.array(identicalGroupSchema),
  rows: z.array(resultRowSchema),
});

export const formatQuerySchema = z.strictObject({
  format: z.enum(['json', 'csv'], { error: 'expected json or csv' }).optional(),
});

/** Whether the request asks for CSV: ?format=csv, or Accept: text/csv without a format. */
export function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  return format === 'csv' || (!format && /\btext\/csv\b/i.test(request.headers.accept ?? ''));
}

/** Sends rows as a CSV attachment named `name`.csv; header X-Zinc-Partial says if more may come. */
export function sendCsv(
  reply: FastifyReply,
  name: string,
  rows: readonly ResultRow[],
  partial: boolean,
) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('x-zinc-partial', String(partial))
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(toCsv(rows));
}
