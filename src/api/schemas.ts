// Zod schemas shared by the routes: IDs in paths and bodies, and the error body. The OpenAPI
// document is generated from these.
import { z } from 'zod';

/**
 * An ID as zinc makes them (`col_...`, `dlv_...`, `batch-...`): letters, digits, ".", "_" and
 * "-", starting with a letter or digit, so no ID can name a path, a query or a wildcard.
 */
export const idSchema = z
  .string()
  .min(1, 'expected an ID')
  .max(200, 'expected an ID of at most 200 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'expected an ID of letters, digits, ".", "_" and "-", starting with a letter or digit',
  );

export const idParamsSchema = z.strictObject({ id: idSchema });

export const fieldProblemSchema = z.object({
  path: z.string().describe('where: body.concurrency, query.latest, params.id...'),
  message: z.string(),
});

export const errorBodySchema = z
  .object({
    error: z
      .string()
      .describe(
        'bad_request, delivery_rejected, unauthorized, forbidden, quota_exceeded, not_found, conflict, payload_too_large, unsupported_media_type, rate_limited (429, with Retry-After), unavailable or internal',
      ),
    message: z.string(),
    fields: z.array(fieldProblemSchema).optional(),
  })
  .describe('An error');

/** Error responses a route documents, by status; every route may answer 429 (api.rate_limit). */
export function errorResponses(...statuses: number[]): Record<number, typeof errorBodySchema> {
  return Object.fromEntries([...statuses, 429].map((s) => [s, errorBodySchema]));
}

/** A query flag: "true" or "false". */
export const booleanQuery = z
  .enum(['true', 'false'], { error: 'expected true or false' })
  .optional()
  .transform((v) => v === 'true');

export const SECURITY = [{ bearer: [] as string[] }];
