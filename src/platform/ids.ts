// Record IDs: a short type prefix and 120 random bits in lowercase base32, made in TypeScript
// (not by the database) so PGlite and PostgreSQL produce the same shape.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford's base32: no i, l, o, u

/** A new random ID such as `dlv_3k9x...` (prefix, underscore, 24 base32 characters). */
export function newId(prefix: string): string {
  const bytes = randomBytes(15);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return `${prefix}_${out}`;
}
