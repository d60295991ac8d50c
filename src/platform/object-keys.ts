// Safe object keys: every key that reaches an object store is built and checked here, so an ID
// or a student's file name can never climb out of its prefix, on disk or in a bucket.
import { UnsafeKeyError } from '../failures.js';

/** The longest key segment, in UTF-8 bytes: most filesystems' limit for one file name. */
export const MAX_SEGMENT_BYTES = 255;
/** The longest whole key, in UTF-8 bytes: S3's limit. */
export const MAX_KEY_BYTES = 1024;

// C0 controls (NUL included), DEL and C1 controls: invisible, and NUL truncates paths in C.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// In a `u` regex a surrogate pair is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /\p{Cs}/u;

function show(value: string): string {
  return JSON.stringify(value);
}

/** Why `segment` is unsafe as one path component, or undefined when it is safe. */
function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'is empty';
  if (segment === '.' || segment === '..') return 'is "." or "..", which name another folder';
  if (segment.includes('/')) return 'contains "/"';
  if (segment.includes('\\')) return 'contains a backslash';
  if (CONTROL_CHARACTER.test(segment)) return 'contains a NUL or control character';
  if (LONE_SURROGATE.test(segment)) return 'is not well-formed Unicode (a lone surrogate)';
  const bytes = Buffer.byteLength(segment, 'utf8');
  if (bytes > MAX_SEGMENT_BYTES) return `is ${bytes} bytes long (limit ${MAX_SEGMENT_BYTES})`;
  return undefined;
}

function checkKeyLength(key: string, what: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new UnsafeKeyError(
      `unsafe ${what} starting ${show(key.slice(0, 80))}: it is ${bytes} bytes long (limit ${MAX_KEY_BYTES})`,
    );
  }
}

/** Checks each '/'-separated part of `value`, naming the first bad one and the whole value. */
function checkSegments(value: string, what: string): void {
  if (value === '') throw new UnsafeKeyError(`unsafe ${what} "": it is empty`);
  if (value.startsWith('/')) {
    throw new UnsafeKeyError(`unsafe ${what} ${show(value)}: it is absolute (starts with "/")`);
  }
  for (const segment of value.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) {
      throw new UnsafeKeyError(
        `unsafe ${what} ${show(value)}: the part ${show(segment)} ${problem}`,
      );
    }
  }
  checkKeyLength(value, what);
}

/** Joins validated segments with '/'; each segment is one path component (no '/' inside). */
export function objectKey(...segments: string[]): string {
  if (segments.length === 0) throw new UnsafeKeyError('unsafe key: no segments given');
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) {
      throw new UnsafeKeyError(`unsafe key segment ${show(segment)}: it ${problem}`);
    }
  }
  const key = segments.join('/');
  checkKeyLength(key, 'key');
  return key;
}

/**
 * Validates a student's relative file path (`src/main.cpp`) part by part and returns it
 * normalised: leading "./" parts, as tar writes them, are dropped; anything else that is not
 * plain (empty parts, ".", "..", absolute, backslashes, control characters) is refused.
 */
export function safeRelativePath(path: string): string {
  let rest = path;
  while (rest.startsWith('./')) rest = rest.slice(2);
  if (rest === '' && path !== '') {
    throw new UnsafeKeyError(`unsafe relative path ${show(path)}: it names no file`);
  }
  checkSegments(rest, 'relative path');
  return rest;
}

/** Checks a whole key handed to a store (the same rules as objectKey); returns it unchanged. */
export function assertSafeKey(key: string): string {
  checkSegments(key, 'key');
  return key;
}

/** Checks a listing prefix: '' (everything) or a safe key followed by '/'. */
export function assertSafePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (!prefix.endsWith('/')) {
    throw new UnsafeKeyError(`unsafe prefix ${show(prefix)}: a prefix must end with "/"`);
  }
  checkSegments(prefix.slice(0, -1), 'prefix');
  return prefix;
}

/** Orders keys by their UTF-8 bytes, as S3 lists them (JS's default sort uses UTF-16 units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
