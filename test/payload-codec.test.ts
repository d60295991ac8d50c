// The payload codec on its own: what it writes, what it reads back, and how it refuses.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import {
  createEncryptionCodec,
  ENCRYPTED_ENCODING,
  loadEncryptionKeys,
} from '../src/temporal/codec.js';
import { repoRoot, tempDir } from './helpers/temporal.js';

const utf8 = new TextEncoder();
const text = new TextDecoder();
const key = (id: string) => ({ id, key: randomBytes(32) });

function jsonPayload(value: unknown): Payload {
  return {
    metadata: { encoding: utf8.encode('json/plain') },
    data: utf8.encode(JSON.stringify(value)),
  };
}

const meta = (p: Payload, name: string) => text.decode(p.metadata![name]);

describe('the payload codec', () => {
  it('encrypts with the first key; nothing of the value is left in clear; it decodes back', async () => {
    const codec = createEncryptionCodec([key('k2'), key('k1')]);
    const value = { studentId: 'stu-4711', verdict: 'WRONG_OUTPUT', score: 42 };
    const [encoded] = await codec.encode([jsonPayload(value)]);
    expect(meta(encoded!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(encoded!, 'encryption-key-id')).toBe('k2');
    const raw = Buffer.from(encoded!.data!).toString('latin1');
    for (const clear of ['stu-4711', 'WRONG_OUTPUT', 'json/plain'])
      expect(raw).not.toContain(clear);
    const [decoded] = await codec.decode([encoded!]);
    expect(meta(decoded!, 'encoding')).toBe('json/plain');
    expect(JSON.parse(text.decode(decoded!.data))).toEqual(value);
  });

  it('the same value encrypts differently each time (a fresh nonce)', async () => {
    const codec = createEncryptionCodec([key('k1')]);
    const [a, b] = await codec.encode([jsonPayload('same'), jsonPayload('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('after a rotation the old key still decrypts, and new payloads use the new key', async () => {
    const old = key('2026-09');
    const [before] = await createEncryptionCodec([old]).encode([jsonPayload({ n: 1 })]);
    const rotated = createEncryptionCodec([key('2026-11'), old]);
    const [decoded] = await rotated.decode([before!]);
    expect(JSON.parse(text.decode(decoded!.data))).toEqual({ n: 1 });
    const [after] = await rotated.encode([jsonPayload({ n: 2 })]);
    expect(meta(after!, 'encryption-key-id')).toBe('2026-11');
  });

  it('refuses a payload whose key is gone, one altered, and one relabelled with another key', async () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const [encoded] = await createEncryptionCodec([k1]).encode([jsonPayload('x')]);
    await expect(createEncryptionCodec([k2]).decode([encoded!])).rejects.toThrow(
      /encrypted with key "k1", which is not among temporal.encryption.keys \(k2\)/,
    );
    const altered = Buffer.from(encoded!.data!);
    altered[20] = altered[20]! ^ 1;
    await expect(
      createEncryptionCodec([k1]).decode([{ ...encoded!, data: altered }]),
    ).rejects.toThrow(/does not authenticate/);
    const relabelled = {
      ...encoded!,
      metadata: { ...encoded!.metadata, 'encryption-key-id': utf8.encode('k2') },
    };
    await expect(createEncryptionCodec([k2, k1]).decode([relabelled])).rejects.toThrow(
      /does not authenticate/,
    );
  });

  it('passes payloads from before encryption through unchanged', async () => {
    const plain = jsonPayload({ old: true });
    const [decoded] = await createEncryptionCodec([key('k1')]).decode([plain]);
    expect(decoded).toEqual(plain);
  });

  it('reads keys inline or from a file and names a bad one', () => {
    const dir = tempDir('zinc-codec-keys-');
    const file = join(dir, 'k2.key');
    const material = randomBytes(32).toString('base64');
    writeFileSync(file, `${material}\n`);
    const keys = loadEncryptionKeys({
      keys: [
        { id: 'k2', file },
        { id: 'k1', key: randomBytes(32).toString('base64') },
      ],
    });
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(keys[0]!.key.toString('base64')).toBe(material);
    expect(() => loadEncryptionKeys({ keys: [{ id: 'short', key: 'c2hvcnQ=' }] })).toThrow(
      /temporal.encryption.keys\[0\] \(short\): expected 32 bytes in base64/,
    );
    expect(() =>
      loadEncryptionKeys({ keys: [{ id: 'gone', file: join(dir, 'missing.key') }] }),
    ).toThrow(/temporal.encryption.keys\[0\] \(gone\): cannot read/);
  });

  it('the configuration refuses duplicate key ids and a key given twice', () => {
    const dir = tempDir('zinc-codec-config-');
    const write = (yaml: string) => {
      const file = join(dir, `${randomBytes(4).toString('hex')}.yaml`);
      writeFileSync(file, yaml);
      return file;
    };
    const k = randomBytes(32).toString('base64');
    expect(() =>
      loadConfig({
        file: write(
          `temporal:\n  encryption:\n    keys:\n      - { id: a, key: "${k}" }\n      - { id: a, key: "${k}" }\n`,
        ),
        env: {},
      }),
    ).toThrow(/temporal.encryption.keys: key ids must be unique/);
    expect(() =>
      loadConfig({
        file: write(
          `temporal:\n  encryption:\n    keys:\n      - { id: a, key: "${k}", file: a.key }\n`,
        ),
        env: {},
      }),
    ).toThrow(/give either key \(base64\) or file/);
  });
});

describe('the production example configuration', () => {
  it('validates, and turns on mTLS and payload encryption', () => {
    const config = loadConfig({ file: join(repoRoot, 'ops', 'zinc.production.yaml'), env: {} });
    expect(config.temporal.tls?.cert).toBeDefined();
    expect(config.temporal.encryption?.keys.map((k) => k.id)).toEqual(['2026-11']);
    expect(config.storage.kind).toBe('s3');
  });
});
