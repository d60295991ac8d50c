// Turns zod issues into staff-readable problems: exact YAML paths and plain messages.
import { z } from 'zod';
import { closestName, describeValue } from './problems.js';
import type { PathSegment, ProblemCollector } from './problems.js';
import { NOT_SUPPORTED_FIELDS, fieldNames } from './schemas.js';

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** Validates a value with a schema, reporting every issue under `prefix`; returns the data if valid. */
export function validateWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: readonly PathSegment[],
  problems: ProblemCollector,
): z.infer<S> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) {
    // Fields that are known but not honoured yet pass the shape check; they are still problems.
    reportNotSupported(schema, result.data, prefix, problems);
    return result.data;
  }
  for (const issue of result.error.issues) reportIssue(schema, issue, prefix, problems);
  reportNotSupported(schema, value, prefix, problems);
  return undefined;
}

function reportIssue(
  root: z.ZodType,
  issue: z.core.$ZodIssue,
  prefix: readonly PathSegment[],
  problems: ProblemCollector,
): void {
  const path = [...prefix, ...issue.path.map(toSegment)];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = fieldNames(schemaAt(root, issue.path));
      for (const key of issue.keys) {
        const hint = closestName(key, known);
        problems.error(
          [...path, key],
          hint
            ? `unknown field ${key} (did you mean ${hint}?)`
            : `unknown field ${key} (known: ${known.join(', ')})`,
        );
      }
      return;
    }
    case 'invalid_type':
      problems.error(
        path,
        issue.input === undefined
          ? 'missing (required)'
          : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`,
      );
      return;
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const hint = typeof issue.input === 'string' ? closestName(issue.input, allowed) : undefined;
      problems.error(
        path,
        `expected one of ${allowed.join(', ')}, got ${describeValue(issue.input)}${hint ? ` (did you mean ${hint}?)` : ''}`,
      );
      return;
    }
    case 'too_small':
      problems.error(path, tooSmall(issue));
      return;
    case 'too_big':
      problems.error(
        path,
        `must be at most ${String(issue.maximum)}, got ${describeValue(issue.input)}`,
      );
      return;
    default:
      problems.error(path, issue.message);
  }
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const min = Number(issue.minimum);
  if (issue.origin === 'array') return `must list at least ${min} item${min === 1 ? '' : 's'}`;
  if (issue.origin === 'string') return 'must not be empty';
  const got = describeValue(issue.input);
  if (min === 0)
    return issue.inclusive
      ? `must not be negative, got ${got}`
      : `must be greater than 0, got ${got}`;
  return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${min}, got ${got}`;
}

// A field that is in the schema only as a NOT_SUPPORTED_YET marker, found anywhere in the value.
function reportNotSupported(
  schema: z.ZodType,
  value: unknown,
  prefix: readonly PathSegment[],
  problems: ProblemCollector,
): void {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    value.forEach((item, i) =>
      reportNotSupported(inner.element as z.ZodType, item, [...prefix, i], problems),
    );
  } else if (inner instanceof z.ZodObject && isRecord(value)) {
    const shape: Record<string, z.ZodType> = inner.shape;
    for (const [key, child] of Object.entries(shape)) {
      if (!(key in value)) continue;
      const reason = NOT_SUPPORTED_FIELDS[key];
      if (reason !== undefined) problems.error([...prefix, key], reason);
      else reportNotSupported(child, value[key], [...prefix, key], problems);
    }
  }
}

function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType {
  let current = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodArray && typeof segment === 'number') {
      current = unwrap(current.element as z.ZodType);
    } else if (current instanceof z.ZodObject && typeof segment === 'string') {
      const next = (current.shape as Record<string, z.ZodType | undefined>)[segment];
      if (!next) return current;
      current = unwrap(next);
    } else {
      return current;
    }
  }
  return current;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function toSegment(key: PropertyKey): PathSegment {
  return typeof key === 'number' ? key : String(key);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
