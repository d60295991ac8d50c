// What a delivered file or folder name may hold, and which two paths are one file to a person.
// A name must be valid UTF-8 and show what it is: no bidirectional controls (which make
// `main\u202Eppc.c` read as `main.cpp`), no zero-width or other invisible characters. Two paths
// that differ only by letter case or Unicode normalisation are one file on macOS and Windows
// and look alike everywhere, so a TA reading the delivery could see another file than the
// grader compiled. Imports nothing of zinc.
import { isUtf8 } from 'node:buffer';

// U+061C ARABIC LETTER MARK, U+200E/U+200F LRM/RLM, U+202A-U+202E embeddings and overrides,
// U+2066-U+2069 isolates: they reorder how the rest of a name is displayed.
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
// ZERO WIDTH SPACE, NON-JOINER, JOINER, WORD JOINER and the BOM (ZERO WIDTH NO-BREAK SPACE).
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/u;
// Every other format character (soft hyphen, invisible operators, tag characters, interlinear
// annotation...) and what Unicode says to render as nothing (variation selectors, Hangul
// fillers, combining grapheme joiner): invisible, so two different names could look the same.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
// U+2028 and U+2029 break lines like a newline does, in logs, CSV files and terminals.
const LINE_SEPARATOR = /[\p{Zl}\p{Zp}]/u;
// What a decoder puts where bytes were not UTF-8 (an API upload's names arrive decoded).
const REPLACEMENT = /\uFFFD/u;

// Shown escaped in messages: whatever would hide or reorder text, or break a line.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\uFFFD\\]/gu;
const NON_ASCII = /[^\x20-\x7e]|\\/gu;

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function escapeChar(char: string): string {
  if (char === '\\') return '\\\\';
  const hex = char.codePointAt(0)!.toString(16).toUpperCase();
  return hex.length <= 4 ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

/**
 * A name as it may be printed: characters that would hide or reorder text are written as
 * `\uXXXX`; with `ascii`, every non-ASCII character is (to show how two look-alikes differ).
 */
export function printableName(name: string, ascii = false): string {
  return name.replace(ascii ? NON_ASCII : UNPRINTABLE, escapeChar);
}

/** A name quoted for a message, escaped as `printableName` does. */
export function quotedName(name: string, ascii = false): string {
  return `"${printableName(name, ascii).replace(/"/g, '\\"')}"`;
}

/** Raw name bytes as they may be printed: valid UTF-8 runs as text, other bytes as `\xNN`. */
export function printableBytes(raw: Buffer): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const b = raw[i]!;
    const n = b < 0x80 ? 1 : b < 0xc2 ? 0 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf5 ? 4 : 0;
    const sequence = n > 0 ? raw.subarray(i, i + n) : undefined;
    if (sequence && sequence.length === n && isUtf8(sequence)) {
      out += printableName(sequence.toString('utf8'));
      i += n;
    } else {
      out += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

/** Raw name bytes quoted for a message, escaped as `printableBytes` does. */
export function quotedBytes(raw: Buffer): string {
  return `"${printableBytes(raw).replace(/"/g, '\\"')}"`;
}

/** The rule a name's bytes break (not UTF-8), or undefined; the name when they are fine. */
export function decodeName(raw: Buffer): { name: string } | { problem: string } {
  if (!isUtf8(raw)) return { problem: 'the name is not valid UTF-8' };
  return { name: raw.toString('utf8') };
}

/** The rule a (UTF-8 decoded) path breaks, naming the character, or undefined when none. */
export function nameProblem(path: string): string | undefined {
  const bidi = BIDI_CONTROL.exec(path);
  if (bidi) {
    return `the name holds ${codePoint(bidi[0])}, a bidirectional control character, which makes a name display as something it is not`;
  }
  const zeroWidth = ZERO_WIDTH.exec(path);
  if (zeroWidth) {
    return `the name holds ${codePoint(zeroWidth[0])}, a zero-width character, which makes a name look like another`;
  }
  const invisible = INVISIBLE.exec(path);
  if (invisible) {
    return `the name holds ${codePoint(invisible[0])}, an invisible format character, which makes a name look like another`;
  }
  const separator = LINE_SEPARATOR.exec(path);
  if (separator) {
    return `the name holds ${codePoint(separator[0])}, a line or paragraph separator`;
  }
  if (REPLACEMENT.test(path)) {
    return 'the name is not valid UTF-8 (it holds U+FFFD, the replacement character, where undecodable bytes were)';
  }
  return undefined;
}

/**
 * The key under which paths that a person or a case-insensitive, normalising filesystem would
 * take for one are equal: canonical composition (NFC) after folding case (upper, then lower
 * case, so `ß` meets `ss` and `ς` meets `σ`).
 */
export function twinKey(path: string): string {
  return path.normalize('NFD').toUpperCase().toLowerCase().normalize('NFC');
}

/** Why two different paths with the same `twinKey` may not both be in a delivery. */
export function twinProblem(first: string, second: string): string {
  if (first.normalize('NFC') === second.normalize('NFC')) {
    return `${quotedName(first, true)} and ${quotedName(second, true)} differ only by Unicode normalisation (NFC and NFD forms of the same text): they look the same and are one file on macOS`;
  }
  const ascii = /[^\x20-\x7e]/u.test(first + second);
  return `${quotedName(first, ascii)} and ${quotedName(second, ascii)} differ only by letter case: they are one file on Windows and macOS`;
}
