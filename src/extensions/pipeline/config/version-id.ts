// configVersionId: an immutable content address for a grading config and its assets.
import { ConfigVersionError } from '../../../failures.js';
import { createHash } from 'node:crypto';

/** An asset as stored: its relative path and the sha256 of its bytes. */
export interface AssetDigest {
  path: string;
  sha256: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * `cfg_` + the first 16 hex digits of a sha256 over the exact config text and its assets sorted
 * by path. Any edit to the text (comments and spacing included) or to any asset, added, removed,
 * renamed or changed, gives a new id; the order assets are listed in does not.
 */
export function configVersionId(yamlText: string, assets: readonly AssetDigest[]): string {
  const seen = new Set<string>();
  const sorted = assets
    .map((asset) => {
      const sha256 = asset.sha256.toLowerCase();
      if (!SHA256_HEX.test(sha256)) {
        throw new ConfigVersionError(
          `asset ${asset.path}: sha256 must be 64 hex digits, got ${JSON.stringify(asset.sha256)}`,
        );
      }
      if (seen.has(asset.path)) throw new ConfigVersionError(`asset ${asset.path} is listed twice`);
      seen.add(asset.path);
      return [asset.path, sha256] as const;
    })
    // Code-unit order, not locale order: the id must not depend on the machine's locale.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // JSON keeps the boundaries between text, paths and hashes unambiguous.
  const canonical = JSON.stringify(['zinc-grading-config/1', yamlText, sorted]);
  return `cfg_${createHash('sha256').update(canonical, 'utf8').digest('hex').slice(0, 16)}`;
}
