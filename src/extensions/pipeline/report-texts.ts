// A test's input (stdin) and expected output come from its grading config, so they are the same
// in every report made with one config version: a report stores a large one once per config
// version (under `config-texts/<configId>/<sha256>.json`) and keeps only a reference to it, with
// its first bytes. Readers resolve the references before they show a report; a report stored
// before references existed has its texts inline and is shown as it is.
import { createHash } from 'node:crypto';
import { objectKey } from '../../platform/object-keys.js';
import type { ObjectStore } from '../../platform/object-store.js';
import { outputText } from './report/output-text.js';
import type { OutputText } from './report/types.js';

/** Texts of at least this many bytes are stored once and referred to. */
export const SHARED_TEXT_MIN_BYTES = 1024;

/** Bytes of a referred text a report keeps inline (its head, for a reader that cannot resolve). */
export const SHARED_TEXT_HEAD_BYTES = 256;

const PREFIX = 'config-texts';

/** The fields of a test that come from its config (the program's output is shared only when it
 * is the expected output, byte for byte). */
const CONFIG_FIELDS = ['stdin', 'expected'] as const;

/** The stored form of a referred text: its head as `text`, and where the whole one is. */
type StoredText = OutputText;

interface TestLike {
  stdin?: StoredText | null;
  expected?: StoredText | null;
  actual?: StoredText | null;
}

interface DocumentLike {
  stageReports?: Record<string, { kind?: string; tests?: unknown[] }>;
}

function testsOf(document: DocumentLike): TestLike[] {
  return Object.values(document.stageReports ?? {}).flatMap((stage) =>
    stage.kind === 'stdioTest' && Array.isArray(stage.tests) ? (stage.tests as TestLike[]) : [],
  );
}

function sameText(a: OutputText, b: OutputText): boolean {
  return (
    a.text === b.text &&
    a.bytes === b.bytes &&
    a.truncated === b.truncated &&
    a.invalidUtf8 === b.invalidUtf8
  );
}

function sharedTextKey(configId: string, text: OutputText): string {
  const sha = createHash('sha256').update(JSON.stringify(text)).digest('hex');
  return objectKey(PREFIX, configId, `${sha}.json`);
}

/**
 * A copy of `document` whose large test inputs and expected outputs are stored once for
 * `configId` and replaced by references (their head inline). The texts are stored before the
 * copy is returned, so a saved report never refers to a missing text.
 */
export async function withSharedTexts<T extends object>(
  objects: ObjectStore,
  configId: string,
  document: T,
): Promise<T> {
  const copy = structuredClone(document);
  for (const test of testsOf(copy)) {
    for (const field of CONFIG_FIELDS) {
      const text = test[field];
      if (!text || text.ref !== undefined) continue;
      if (Buffer.byteLength(text.text, 'utf8') < SHARED_TEXT_MIN_BYTES) continue;
      const key = sharedTextKey(configId, text);
      if (!(await objects.exists(key))) {
        await objects.put(key, JSON.stringify(text), { contentType: 'application/json' });
      }
      const head = outputText(text.text, SHARED_TEXT_HEAD_BYTES);
      test[field] = { ...text, text: head.text, ref: key };
      // A passing program printed the expected output: the same text, the same reference.
      const actual = test.actual;
      if (field === 'expected' && actual && actual.ref === undefined && sameText(actual, text)) {
        test.actual = { ...actual, text: head.text, ref: key };
      }
    }
  }
  return copy;
}

/**
 * `document` with every reference replaced by the text it names (in place; returned for
 * chaining). A reference outside the shared texts is left as it is (its head shows).
 */
export async function resolveSharedTexts<T>(objects: ObjectStore, document: T): Promise<T> {
  const loaded = new Map<string, OutputText>();
  for (const test of testsOf(document as DocumentLike)) {
    for (const field of [...CONFIG_FIELDS, 'actual'] as const) {
      const text = test[field];
      const ref = text?.ref;
      if (!text || ref === undefined || !ref.startsWith(`${PREFIX}/`)) continue;
      let whole = loaded.get(ref);
      if (!whole) {
        whole = JSON.parse((await objects.get(ref)).toString('utf8')) as OutputText;
        loaded.set(ref, whole);
      }
      test[field] = { ...whole };
    }
  }
  return document;
}
