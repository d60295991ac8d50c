// The sections of zinc's configuration the configuration service knows: how each is read from
// the effective configuration the core runs with, and the schema a worker checks it against.
import { z } from 'zod';
import { zincConfigSchema, type ZincConfig } from '../../config/index.js';

type Tree = Record<string, unknown>;

/** One section a worker may be handed. */
export interface SectionDefinition {
  /** Validates the unflattened properties (the same schema zinc.yaml's section is parsed with). */
  schema: z.ZodType;
  /** The section's value in the configuration the core serves. */
  read(config: ZincConfig): Tree;
  /** Where the section goes in a worker's configuration tree (before zincConfigSchema parses it). */
  place(tree: Tree, value: Tree): void;
}

/** A top-level object section of zincConfigSchema, served as it is. */
function topLevel(name: keyof ZincConfig): SectionDefinition {
  return {
    schema: zincConfigSchema.shape[name],
    read: (config) => config[name] as unknown as Tree,
    place: (tree, value) => {
      tree[name] = value;
    },
  };
}

/**
 * The data dir, as a section of one property `path`: only a worker on the core's machine whose
 * objects are on disk needs it (disk storage is `<data dir>/objects`).
 */
const dataDirSection: SectionDefinition = {
  schema: z.strictObject({ path: z.string().min(1) }),
  read: (config) => ({ path: config.data_dir }),
  place: (tree, value) => {
    tree.data_dir = value.path;
  },
};

/** Every section the service can serve, by the name a worker asks for. */
export const SERVED_SECTIONS = {
  temporal: topLevel('temporal'),
  worker: topLevel('worker'),
  database: topLevel('database'),
  storage: topLevel('storage'),
  events: topLevel('events'),
  submission: topLevel('submission'),
  pipeline: topLevel('pipeline'),
  grading: topLevel('grading'),
  data_dir: dataDirSection,
} satisfies Record<string, SectionDefinition>;

export type SectionName = keyof typeof SERVED_SECTIONS;

/**
 * Sections zinc has but never serves to a worker: the HTTP API's (the process that serves the
 * API reads its own zinc.yaml), the CLI's and this service's own. Asking for one is refused,
 * not "unknown".
 */
export const WITHHELD_SECTIONS: readonly string[] = Object.keys(zincConfigSchema.shape).filter(
  (name) => !(name in SERVED_SECTIONS),
);

/** Whether `name` is a section the service can serve. */
export function isServedSection(name: string): name is SectionName {
  return Object.prototype.hasOwnProperty.call(SERVED_SECTIONS, name);
}
