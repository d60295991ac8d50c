// Captured bytes into report text: capped, and safe whatever the bytes are.
import type { OutputText } from './types.js';

/** Bytes of each stream (stdin, expected, actual, diff, stderr...) a report keeps. */
export const REPORT_OUTPUT_CAP_BYTES = 64 * 1024;

/**
 * The first `capBytes` of `bytes` as UTF-8 text. A multi-byte character cut by the cap is
 * dropped whole; invalid UTF-8 becomes U+FFFD and is flagged, so a report never fails to encode.
 */
export function outputText(
  bytes: Buffer | string,
  capBytes: number = REPORT_OUTPUT_CAP_BYTES,
): OutputText {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const truncated = buffer.length > capBytes;
  let kept = truncated ? buffer.subarray(0, capBytes) : buffer;
  if (truncated) kept = kept.subarray(0, completeUtf8Length(kept));
  return {
    text: kept.toString('utf8'),
    bytes: buffer.length,
    truncated,
    invalidUtf8: !isValidUtf8(kept),
  };
}

/** Whether `buffer` is well-formed UTF-8 (no replacement needed to decode it). */
export function isValidUtf8(buffer: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buffer);
    return true;
  } catch {
    return false;
  }
}

/** The length of `buffer` without a multi-byte sequence its end cuts in two. */
function completeUtf8Length(buffer: Buffer): number {
  // Look back at most 3 bytes for the lead byte of the last sequence.
  for (let back = 1; back <= Math.min(3, buffer.length); back++) {
    const byte = buffer[buffer.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? buffer.length - back : buffer.length;
  }
  return buffer.length;
}
