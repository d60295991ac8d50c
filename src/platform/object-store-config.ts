// The `storage` section of zinc's configuration, and the one place that opens the chosen store.
import { mkdir } from 'node:fs/promises';
import { z } from 'zod';
import { createDiskObjectStore } from './disk-object-store.js';
import { assertSafePrefix } from './object-keys.js';
import type { ObjectStore } from './object-store.js';
import { dataPaths } from './paths.js';

function isSafeKeyPrefix(prefix: string): boolean {
  try {
    assertSafePrefix(prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);
    return true;
  } catch {
    return false;
  }
}

/** An S3-compatible server (MinIO in ZINC's deployments) and the bucket zinc keeps objects in. */
export const s3ConfigSchema = z
  .strictObject({
    /** e.g. http://minio:9000; absent: AWS S3 in `region`. */
    endpoint: z.url({ message: 'expected a URL, e.g. http://127.0.0.1:9000' }).optional(),
    region: z.string().min(1).default('us-east-1'),
    bucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'expected an S3 bucket name: 3 to 63 lowercase letters, digits, "." or "-"',
      ),
    /** Absent (both): the AWS SDK's credential chain (environment, profile, instance role). */
    access_key_id: z.string().min(1).optional(),
    secret_access_key: z.string().min(1).optional(),
    /** Bucket in the URL path, as MinIO expects. */
    force_path_style: z.boolean().default(true),
    /** A folder in the bucket for every key, e.g. "zinc/"; lets several zincs share a bucket. */
    key_prefix: z
      .string()
      .default('')
      .refine(isSafeKeyPrefix, 'expected a folder like "zinc/": no "..", "." or empty parts'),
  })
  .check((ctx) => {
    const { access_key_id, secret_access_key } = ctx.value;
    if ((access_key_id === undefined) !== (secret_access_key === undefined)) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: [access_key_id === undefined ? 'access_key_id' : 'secret_access_key'],
        message: 'access_key_id and secret_access_key go together: set both or neither',
      });
    }
  });

export const storageConfigSchema = z
  .strictObject({
    /** disk: the data dir's objects/ folder (one machine); s3: an S3-compatible server. */
    kind: z.enum(['disk', 's3']).default('disk'),
    s3: s3ConfigSchema.optional(),
  })
  .check((ctx) => {
    if (ctx.value.kind === 's3' && ctx.value.s3 === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['s3'],
        message: 'storage.kind is "s3", so the storage.s3 section (at least its bucket) is needed',
      });
    }
  });

export type StorageConfig = z.infer<typeof storageConfigSchema>;

/** The `storage` section: its schema and the environment variables that set its fields. */
export const storageSection = {
  key: 'storage',
  schema: storageConfigSchema,
  env: {
    ZINC_STORAGE_KIND: ['kind'],
    ZINC_S3_ENDPOINT: ['s3', 'endpoint'],
    ZINC_S3_REGION: ['s3', 'region'],
    ZINC_S3_BUCKET: ['s3', 'bucket'],
    ZINC_S3_ACCESS_KEY_ID: ['s3', 'access_key_id'],
    ZINC_S3_SECRET_ACCESS_KEY: ['s3', 'secret_access_key'],
    ZINC_S3_KEY_PREFIX: ['s3', 'key_prefix'],
  },
} as const;

/** Opens the configured store: `<dataDir>/objects` on disk, or the S3 bucket (created if missing). */
export async function openObjectStore(
  config: StorageConfig,
  dataDir: string,
): Promise<ObjectStore> {
  if (config.kind === 'disk') {
    const root = dataPaths(dataDir).objects;
    await mkdir(root, { recursive: true });
    return createDiskObjectStore(root);
  }
  const s3 = config.s3;
  if (s3 === undefined) throw new Error('storage.kind is "s3" but storage.s3 is missing');
  // The AWS SDK loads only when S3 is configured (it costs most commands ~0.7 s otherwise).
  const { createS3ObjectStore } = await import('./s3-object-store.js');
  const store = createS3ObjectStore({
    region: s3.region,
    bucket: s3.bucket,
    forcePathStyle: s3.force_path_style,
    keyPrefix: s3.key_prefix,
    ...(s3.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
    ...(s3.access_key_id !== undefined ? { accessKeyId: s3.access_key_id } : {}),
    ...(s3.secret_access_key !== undefined ? { secretAccessKey: s3.secret_access_key } : {}),
  });
  try {
    await store.ensureBucket();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
