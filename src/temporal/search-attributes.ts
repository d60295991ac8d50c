// Registers zinc's custom search attributes (all Keyword) in a namespace, when missing.
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from './constants.js';

const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** The zinc search attributes the namespace lacks. */
export async function missingSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return SEARCH_ATTRIBUTES.filter((name) => !customAttributes?.[name]);
}

/** Adds every missing zinc search attribute to `namespace`; does nothing when all exist. */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
  });
}

/** The Temporal CLI command an operator runs to add `missing` to `namespace`. */
export function searchAttributeCommand(namespace: string, missing: readonly string[]): string {
  return `temporal operator search-attribute create --namespace ${namespace} --type Keyword ${missing.map((name) => `--name ${name}`).join(' ')}`;
}
