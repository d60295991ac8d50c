// Asset paths: the relative paths of a config's files (provided files, test inputs, expected outputs).
import { posix } from 'node:path';

/** A path normalised for comparison (`./big.in` is `big.in`), or undefined if it leaves the assets. */
export function normalizeAssetPath(path: string): string | undefined {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0'))
    return undefined;
  const normalized = posix.normalize(path);
  if (normalized === '.' || normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized.replace(/\/$/, '');
}

/** The set of normalised asset paths; paths that leave the asset folder are dropped. */
export function assetSet(assets: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const asset of assets) {
    const normalized = normalizeAssetPath(asset);
    if (normalized !== undefined) out.add(normalized);
  }
  return out;
}
