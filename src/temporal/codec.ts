// Payload encryption: every payload zinc's clients and workers hand to Temporal (workflow and
// activity arguments and results, memos, signals, queries, schedules' actions, failure messages)
// is AES-256-GCM encrypted with the newest configured key before it leaves the process, and
// decrypted on the way back with whichever configured key its metadata names. The Temporal
// server, its database and its Web UI see only ciphertext; the codec endpoint of the API
// (`/api/codec`) decodes for people who hold a staff token.
import { ConfigError, PayloadDecryptionError } from '../failures.js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import type { EncryptionConfig } from './config.js';

/** The `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const CIPHER = 'encryption-cipher';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Reads the configured keys (inline or from files) and checks each is 32 bytes of base64. */
export function loadEncryptionKeys(config: EncryptionConfig): EncryptionKey[] {
  return config.keys.map((entry, i) => {
    const where = `temporal.encryption.keys[${i}] (${entry.id})`;
    let encoded = entry.key;
    if (entry.file !== undefined) {
      try {
        encoded = readFileSync(entry.file, 'utf8');
      } catch (err) {
        throw new ConfigError(`${where}: cannot read ${entry.file}: ${(err as Error).message}`);
      }
    }
    const raw = (encoded ?? '').trim();
    const key = Buffer.from(raw, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || key.length !== 32) {
      throw new ConfigError(
        `${where}: expected 32 bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`), got ${raw.length} characters`,
      );
    }
    return { id: entry.id, key };
  });
}

function metadataText(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? text.decode(value) : undefined;
}

/**
 * The codec: encodes with the first key, decodes with the key a payload names. Payloads that
 * are not encrypted pass through on decode (histories from before encryption was turned on).
 */
/** Temporal's Payload message, loaded when the first payload is encoded (the CLI stays quick). */
async function payloadMessage() {
  const proto = await import('@temporalio/proto');
  return proto.default.temporal.api.common.v1.Payload;
}

export function createEncryptionCodec(keys: readonly EncryptionKey[]): PayloadCodec {
  const current = keys[0];
  if (!current) throw new ConfigError('temporal.encryption.keys: expected at least one key');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      const message = await payloadMessage();
      return payloads.map((payload) => {
        const plain = message.encode(payload).finish();
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv(ALGORITHM, current.key, iv);
        // The key ID is authenticated too: a payload relabelled with another key fails.
        cipher.setAAD(utf8.encode(current.id));
        const body = Buffer.concat([cipher.update(plain), cipher.final()]);
        return {
          metadata: {
            encoding: utf8.encode(ENCRYPTED_ENCODING),
            [KEY_ID]: utf8.encode(current.id),
            [CIPHER]: utf8.encode('AES-256-GCM'),
          },
          data: Buffer.concat([iv, body, cipher.getAuthTag()]),
        };
      });
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      const message = await payloadMessage();
      return payloads.map((payload) => {
        if (metadataText(payload, 'encoding') !== ENCRYPTED_ENCODING) return payload;
        const id = metadataText(payload, KEY_ID) ?? '';
        const key = byId.get(id);
        if (!key) {
          throw new PayloadDecryptionError(
            `a payload is encrypted with key "${id}", which is not among temporal.encryption.keys (${[...byId.keys()].join(', ')})`,
          );
        }
        const data = Buffer.from(payload.data ?? new Uint8Array());
        if (data.length < IV_BYTES + TAG_BYTES) {
          throw new PayloadDecryptionError(`a payload encrypted with key "${id}" is truncated`);
        }
        const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
        decipher.setAAD(utf8.encode(id));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        let plain: Buffer;
        try {
          plain = Buffer.concat([
            decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
            decipher.final(),
          ]);
        } catch {
          throw new PayloadDecryptionError(
            `a payload encrypted with key "${id}" does not authenticate: it was altered, or the key "${id}" configured here is not the one it was encrypted with`,
          );
        }
        return message.decode(plain);
      });
    },
  };
}

/** The failure converter module that moves failure messages into encoded payloads. */
function encodedFailuresPath(): string {
  const ts = fileURLToPath(new URL('./encoded-failures.ts', import.meta.url));
  if (existsSync(ts)) return ts;
  return fileURLToPath(new URL('./encoded-failures.js', import.meta.url));
}

const codecs = new WeakMap<EncryptionConfig, PayloadCodec>();

function codecOf(encryption: EncryptionConfig): PayloadCodec {
  let codec = codecs.get(encryption);
  if (!codec) {
    codec = createEncryptionCodec(loadEncryptionKeys(encryption));
    codecs.set(encryption, codec);
  }
  return codec;
}

/** The codec of `temporal.encryption`, or undefined when payloads go in clear. */
export function configuredCodec(
  encryption: EncryptionConfig | undefined,
): PayloadCodec | undefined {
  return encryption ? codecOf(encryption) : undefined;
}

/**
 * A client's data converter: undefined (Temporal's default, payloads in clear) unless
 * `temporal.encryption` is set. Clients decode encoded failure messages with the default
 * failure converter; only workers need the encoding one.
 */
export function clientDataConverter(
  encryption: EncryptionConfig | undefined,
): DataConverter | undefined {
  return encryption ? { payloadCodecs: [codecOf(encryption)] } : undefined;
}

/** A worker's data converter: the codec, and failure messages moved into encrypted payloads. */
export function workerDataConverter(
  encryption: EncryptionConfig | undefined,
): DataConverter | undefined {
  if (!encryption) return undefined;
  return { payloadCodecs: [codecOf(encryption)], failureConverterPath: encodedFailuresPath() };
}
