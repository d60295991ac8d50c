// The production object store: a bucket on an S3-compatible server (MinIO in ZINC's
// deployments, AWS S3 too). Errors are sorted into "not found" and "storage unavailable".
import { ObjectNotFoundError, ObjectStoreUnavailableError, UnsafeKeyError } from '../failures.js';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { BucketLocationConstraint } from '@aws-sdk/client-s3';
import { assertSafeKey, assertSafePrefix, compareKeys } from './object-keys.js';
import { type ObjectStore } from './object-store.js';

export interface S3ObjectStoreOptions {
  /** e.g. http://127.0.0.1:9000 for MinIO; absent: AWS S3 in `region`. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Absent: the AWS SDK's default credential chain (environment, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Bucket in the path rather than the host name; what MinIO needs. */
  forcePathStyle?: boolean;
  /** A folder inside the bucket that every key lives under (e.g. "zinc/"); '' or absent: none. */
  keyPrefix?: string;
}

export interface S3ObjectStore extends ObjectStore {
  /** The endpoint as named in error messages. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Creates the bucket unless it is there already. */
  ensureBucket(): Promise<void>;
}

// A dead endpoint should fail an activity in seconds so that Temporal's retry policy, not the
// SDK, decides what happens next: one SDK retry, a short connect timeout, and an idle-socket
// timeout (not a total one, so large objects on slow links still get through).
const CONNECT_TIMEOUT_MS = 3_000;
const SOCKET_IDLE_TIMEOUT_MS = 10_000;
const MAX_ATTEMPTS = 2;
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as SdkError | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
}

/** One line about an SDK or network error; Node's connection errors can have no message. */
function describe(err: unknown): string {
  const e = (err ?? {}) as SdkError;
  const parts: string[] = [];
  const status = statusOf(err);
  if (status !== undefined) parts.push(`HTTP ${status}`);
  if (e.name && e.name !== 'Error') parts.push(e.name);
  if (e.code && e.code !== e.name) parts.push(e.code);
  if (e.message) parts.push(e.message);
  else if (Array.isArray(e.errors)) parts.push(e.errors.map(describe).join('; '));
  return parts.length > 0 ? parts.join(': ') : String(err);
}

/** Creates a store over one bucket; call ensureBucket() once to create the bucket if missing. */
export function createS3ObjectStore(options: S3ObjectStoreOptions): S3ObjectStore {
  const { bucket, region } = options;
  const endpoint = options.endpoint ?? `AWS S3 (${region})`;
  let keyPrefix = options.keyPrefix ?? '';
  if (keyPrefix !== '' && !keyPrefix.endsWith('/')) keyPrefix += '/';
  assertSafePrefix(keyPrefix);

  const client = new S3Client({
    region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.accessKeyId !== undefined && options.secretAccessKey !== undefined
      ? {
          credentials: {
            accessKeyId: options.accessKeyId,
            secretAccessKey: options.secretAccessKey,
          },
        }
      : {}),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
    },
    // Checksums only where S3 requires them (DeleteObjects): S3-compatible servers differ in
    // which of the newer flexible checksums they accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  function unavailable(action: string, what: string, err: unknown): ObjectStoreUnavailableError {
    return new ObjectStoreUnavailableError(
      `S3 object store ${endpoint}, bucket ${bucket}: cannot ${action} ${JSON.stringify(what)}: ${describe(err)}`,
      { cause: err },
    );
  }

  async function put(
    key: string,
    body: Uint8Array | string,
    putOptions?: { contentType?: string },
  ): Promise<void> {
    assertSafeKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: keyPrefix + key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ...(putOptions?.contentType !== undefined ? { ContentType: putOptions.contentType } : {}),
        }),
      );
    } catch (err) {
      throw unavailable('store', key, err);
    }
  }

  async function get(key: string): Promise<Buffer> {
    assertSafeKey(key);
    try {
      const response = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: keyPrefix + key }),
      );
      const bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      if (isNotFound(err) && (err as SdkError).name !== 'NoSuchBucket') {
        throw new ObjectNotFoundError(key);
      }
      throw unavailable('read', key, err);
    }
  }

  async function exists(key: string): Promise<boolean> {
    assertSafeKey(key);
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyPrefix + key }));
      return true;
    } catch (err) {
      // HEAD has no body, so a missing bucket also looks like a plain 404 here.
      if (isNotFound(err)) return false;
      throw unavailable('check', key, err);
    }
  }

  async function remove(key: string): Promise<void> {
    assertSafeKey(key);
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyPrefix + key }));
    } catch (err) {
      throw unavailable('delete', key, err);
    }
  }

  async function list(prefix: string): Promise<string[]> {
    assertSafePrefix(prefix);
    const keys: string[] = [];
    let continuationToken: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: keyPrefix + prefix,
            ...(continuationToken !== undefined ? { ContinuationToken: continuationToken } : {}),
          }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key?.startsWith(keyPrefix)) keys.push(object.Key.slice(keyPrefix.length));
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken !== undefined);
    } catch (err) {
      throw unavailable('list', prefix, err);
    }
    return keys.sort(compareKeys);
  }

  async function deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') {
      throw new UnsafeKeyError(
        `unsafe prefix "": deletePrefix needs a folder; "" would remove every object in bucket ${bucket}`,
      );
    }
    // The whole listing first: deleting while paging could shift the pages on some servers.
    const keys = await list(prefix);
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      let failed: { Key?: string; Code?: string; Message?: string }[];
      try {
        const response = await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((key) => ({ Key: keyPrefix + key })), Quiet: true },
          }),
        );
        failed = response.Errors ?? [];
      } catch (err) {
        throw unavailable('delete under', prefix, err);
      }
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new ObjectStoreUnavailableError(
          `S3 object store ${endpoint}, bucket ${bucket}: ${failed.length} of ${batch.length} objects under ${JSON.stringify(prefix)} were not deleted (first: ${first.Key ?? '?'}: ${first.Code ?? '?'} ${first.Message ?? ''})`,
        );
      }
    }
    return keys.length;
  }

  async function ensureBucket(): Promise<void> {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw unavailable('check bucket', bucket, err);
    }
    try {
      await client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          // us-east-1 is S3's default and must not be named; every other region must be.
          ...(region !== 'us-east-1'
            ? {
                CreateBucketConfiguration: {
                  LocationConstraint: region as BucketLocationConstraint,
                },
              }
            : {}),
        }),
      );
    } catch (err) {
      // Another process created it between our check and our request.
      if ((err as SdkError).name === 'BucketAlreadyOwnedByYou') return;
      throw unavailable('create bucket', bucket, err);
    }
  }

  return {
    endpoint,
    bucket,
    put,
    get,
    exists,
    delete: remove,
    list,
    deletePrefix,
    ensureBucket,
    close: () => {
      client.destroy();
      return Promise.resolve();
    },
  };
}
