// A configuration section on the wire: RFD 0010's `map<string, string>`. Nested fields become
// dotted keys ("s3.endpoint") and every value a string; the reader turns them back with the
// section's own zod schema, which says which strings were numbers or booleans.
import { UnflattenableValueError } from '../../failures.js';
import { z } from 'zod';

type Tree = Record<string, unknown>;

/** The section `tree` as dotted keys and string values; absent (undefined) fields are left out. */
export function flattenSection(tree: Tree): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: Tree, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (value === undefined || value === null) continue;
      if (typeof value === 'object' && !Array.isArray(value)) walk(value as Tree, path);
      else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        out[path] = String(value);
      else throw new UnflattenableValueError(`${path}: a ${typeof value} cannot be a property`);
    }
  };
  walk(tree, '');
  return out;
}

/** The schema under wrappers that do not change what a value is (optional, default, pipe). */
function unwrap(schema: z.ZodType): z.ZodType {
  for (;;) {
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
      schema = schema.unwrap() as z.ZodType;
    } else if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
      schema = schema.unwrap() as z.ZodType;
    } else if (schema instanceof z.ZodPipe) {
      schema = schema.in as z.ZodType;
    } else {
      return schema;
    }
  }
}

/** What the schema expects at `path` below it: 'boolean', 'number', or 'string' (anything else). */
function leafKind(schema: z.ZodType, path: readonly string[]): 'boolean' | 'number' | 'string' {
  let node = unwrap(schema);
  for (const key of path) {
    if (!(node instanceof z.ZodObject)) return 'string';
    const child = (node.shape as Record<string, z.ZodType | undefined>)[key];
    if (child === undefined) return 'string';
    node = unwrap(child);
  }
  if (node instanceof z.ZodBoolean) return 'boolean';
  if (node instanceof z.ZodNumber) return 'number';
  return 'string';
}

/**
 * The nested tree of `properties`, with strings turned into the booleans and numbers `schema`
 * expects there; validation is left to the caller's `schema.parse` (which names bad fields).
 */
export function unflattenSection(properties: Record<string, string>, schema: z.ZodType): Tree {
  const tree: Tree = {};
  for (const [key, raw] of Object.entries(properties)) {
    const path = key.split('.');
    let value: unknown = raw;
    const kind = leafKind(schema, path);
    if (kind === 'boolean' && (raw === 'true' || raw === 'false')) value = raw === 'true';
    else if (kind === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) {
      value = Number(raw);
    }
    let node = tree;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null) node[part] = {};
      node = node[part] as Tree;
    }
    node[path[path.length - 1]!] = value;
  }
  return tree;
}
