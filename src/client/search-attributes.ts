import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import {
  encodeSearchAttributeIndexedValueType,
  type SearchAttributeKey,
} from '@temporalio/common/lib/search-attributes';
import { TANDEM_SEARCH_ATTRIBUTES } from '../contract/search-attributes';

/** gRPC's ALREADY_EXISTS: another setup registered the same attribute a moment ago. */
const GRPC_ALREADY_EXISTS = 6;

/** What {@link registerSearchAttributes} found and did. */
export interface SearchAttributeSetup {
  /** Registered now. */
  readonly added: readonly string[];
  /** There already. */
  readonly present: readonly string[];
}

/**
 * Registers the search attributes `namespace` lacks (by default Tandem's own), leaving those it
 * has: safe to run again, and by two processes at once. A server keeps an attribute's type once
 * registered; a name registered with another type is left as it is.
 */
export async function registerSearchAttributes(
  operator: Connection['operatorService'],
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[] = TANDEM_SEARCH_ATTRIBUTES,
): Promise<SearchAttributeSetup> {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const missing = keys.filter((key) => !(key.name in (customAttributes ?? {})));
  const present = keys.filter((key) => !missing.includes(key)).map((key) => key.name);
  if (missing.length === 0) return { added: [], present };
  try {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
      ),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code !== GRPC_ALREADY_EXISTS) throw error;
    return { added: [], present: keys.map((key) => key.name) };
  }
  return { added: missing.map((key) => key.name), present };
}
