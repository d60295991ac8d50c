// The YAML side of config parsing: syntax errors with positions, plain values that keep the text
// staff wrote where text is meant, duplicate keys, and the line of any path.
import { ConfigTooLargeError } from '../../../failures.js';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { Locator, PathSegment } from './problems.js';

/** Larger configs are refused: big inputs and outputs belong in asset files (`file_stdin`). */
export const MAX_CONFIG_TEXT_BYTES = 4 * 1024 * 1024;

/** Aliases can blow a small file up into a huge tree; past this many values the config is refused. */
export const MAX_CONFIG_VALUES = 200_000;

/**
 * Keys whose value is text even when YAML would read a number or boolean: `expected: 1.0` means
 * the output `1.0`, not the number 1, and `args: [5]` passes the argument `5`.
 */
const TEXT_KEYS = new Set([
  'lang',
  'file',
  'stdin',
  'expected',
  'file_stdin',
  'file_expected',
  'output',
  'cmd',
]);
/** Keys whose value is a list of text items (same rule, per item). */
const TEXT_LIST_KEYS = new Set([
  'args',
  'flags',
  'input',
  'targets',
  'template',
  'ignore_in_submission',
]);

/** One syntax error of the YAML text, with its 1-based position. */
export interface YamlSyntaxError {
  message: string;
  line: number;
  column: number;
}

/** A map key written twice in the same mapping. */
export interface DuplicateKey {
  /** The path of the duplicate (parent path plus the key). */
  segments: PathSegment[];
  key: string;
  firstLine: number;
  line: number;
  column: number;
}

/** A parsed YAML document, or why it could not be read. */
export type YamlTree =
  | { ok: true; doc: Document.Parsed; locate: Locator; position: (node: Node) => Position }
  | { ok: false; errors: YamlSyntaxError[] };

interface Position {
  line: number;
  column: number;
}

/** Parses YAML text into a document, keeping key order and duplicate keys for our own checks. */
export function readYaml(text: string): YamlTree {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
    merge: true,
  });
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(line, 1), column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((err) => ({
        message: err.message.split('\n')[0] ?? err.message,
        ...toPosition(err.pos[0]),
      })),
    };
  }
  const position = (node: Node): Position => toPosition(node.range?.[0] ?? 0);
  const locate: Locator = (segments) => {
    const found = findNode(doc.contents, segments);
    return found ? position(found) : undefined;
  };
  return { ok: true, doc, locate, position };
}

/** The text of a map key as staff wrote it (`stdioTest:hidden`, `1` for a numeric key). */
export function keyText(key: unknown): string {
  if (isScalar(key)) return key.source ?? String(key.value);
  return String(key);
}

/** How many more values a document may expand to; share one across a document's conversions. */
export interface ValueBudget {
  left: number;
}

/** A fresh budget of MAX_CONFIG_VALUES for one document. */
export function valueBudget(): ValueBudget {
  return { left: MAX_CONFIG_VALUES };
}

/**
 * Converts a YAML node to plain JavaScript values, following aliases and `<<` merges. Values under
 * text keys keep their source text; `parentKey` is the key the node sits under.
 */
export function toPlain(
  doc: Document.Parsed,
  node: unknown,
  parentKey: string | undefined,
  budget: ValueBudget,
): unknown {
  return convert(doc, node, parentKey, false, budget, new Set());
}

function convert(
  doc: Document.Parsed,
  node: unknown,
  key: string | undefined,
  inTextList: boolean,
  budget: ValueBudget,
  resolving: Set<unknown>,
): unknown {
  if (--budget.left < 0) {
    throw new ConfigTooLargeError(
      `the config expands to more than ${MAX_CONFIG_VALUES} values (through aliases); write it out plainly`,
    );
  }
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target === undefined || resolving.has(target)) return null;
    resolving.add(target);
    try {
      return convert(doc, target, key, inTextList, budget, resolving);
    } finally {
      resolving.delete(target);
    }
  }
  if (isScalar(node)) {
    const wantsText = inTextList || (key !== undefined && TEXT_KEYS.has(key));
    if (wantsText && (typeof node.value === 'number' || typeof node.value === 'boolean')) {
      return node.source ?? String(node.value);
    }
    return node.value;
  }
  if (isSeq(node)) {
    const listOfText = key !== undefined && TEXT_LIST_KEYS.has(key);
    return node.items.map((item) => convert(doc, item, undefined, listOfText, budget, resolving));
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const merged: Record<string, unknown>[] = [];
    for (const pair of node.items) {
      const name = keyText(pair.key);
      if (isMergeKey(pair)) {
        const value = convert(doc, pair.value, undefined, false, budget, resolving);
        for (const source of Array.isArray(value) ? value : [value]) {
          if (isRecord(source)) merged.push(source);
        }
        continue;
      }
      // Duplicate keys are reported separately; the first one written is the one kept.
      if (Object.prototype.hasOwnProperty.call(out, name)) continue;
      out[name] = convert(doc, pair.value, name, false, budget, resolving);
    }
    // Explicit keys win over merged ones, and earlier merge sources over later ones (YAML 1.1).
    for (const source of merged) {
      for (const [name, value] of Object.entries(source)) {
        if (!Object.prototype.hasOwnProperty.call(out, name)) out[name] = value;
      }
    }
    return out;
  }
  return node ?? null;
}

/** Finds every key written twice in one mapping, anywhere in the document. */
export function duplicateKeys(
  doc: Document.Parsed,
  position: (node: Node) => Position,
): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const walk = (node: unknown, segments: PathSegment[]): void => {
    if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...segments, index]));
    } else if (isMap(node)) {
      const firstLines = new Map<string, number>();
      for (const pair of node.items) {
        if (isMergeKey(pair)) continue;
        const name = keyText(pair.key);
        const at = isScalar(pair.key) ? position(pair.key) : { line: 0, column: 0 };
        const firstLine = firstLines.get(name);
        if (firstLine === undefined) {
          firstLines.set(name, at.line);
          walk(pair.value, [...segments, name]);
        } else {
          found.push({ segments: [...segments, name], key: name, firstLine, ...at });
        }
      }
    }
  };
  walk(doc.contents, []);
  return found;
}

/** Whether a pair is a YAML merge (`<<: *defaults`). */
export function isMergeKey(pair: Pair): boolean {
  return isScalar(pair.key) && (pair.key.value === '<<' || pair.key.source === '<<');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The key node for a mapping path (so a problem points at `score:`), the item for a list index;
// when a step is missing, the deepest node found on the way.
function findNode(root: unknown, segments: readonly PathSegment[]): Node | undefined {
  let current: unknown = root;
  let found: Node | undefined = isMap(root) || isSeq(root) ? root : undefined;
  for (const segment of segments) {
    if (isAlias(current)) return found;
    if (typeof segment === 'number' && isSeq(current)) {
      const item: unknown = current.items[segment];
      if (item === undefined) return found;
      current = item;
      if (isMap(item) || isSeq(item) || isScalar(item)) found = item;
    } else if (typeof segment === 'string' && isMap(current)) {
      const pair = current.items.find((p) => !isMergeKey(p) && keyText(p.key) === segment);
      if (!pair) return found;
      if (isScalar(pair.key)) found = pair.key;
      current = pair.value;
    } else {
      return found;
    }
  }
  return found;
}
