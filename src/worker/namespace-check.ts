import type { NativeConnection } from '@temporalio/worker';
import { NamespaceSetupError } from '../contract/errors';
import { searchType, TANDEM_SEARCH_ATTRIBUTES } from '../contract/search-attributes';

/**
 * Refuses to start workers on a namespace that lacks a search attribute Tandem's runs write:
 * a run would otherwise stall at its first write of it (a failed workflow task, retried until
 * someone notices). Where the server does not let this worker list them (a key without the
 * right, a proxy), the check is skipped: the docs say what to register.
 */
export async function checkSearchAttributes(
  connection: NativeConnection,
  namespace: string,
): Promise<void> {
  const answer = await connection.operatorService
    .listSearchAttributes({ namespace })
    .catch(() => undefined);
  if (answer === undefined) return;
  const registered = { ...answer.customAttributes, ...answer.systemAttributes };
  const missing = TANDEM_SEARCH_ATTRIBUTES.filter((key) => !(key.name in registered));
  if (missing.length > 0) {
    throw new NamespaceSetupError(
      namespace,
      missing.map((key) => ({ name: key.name, type: searchType(key) })),
    );
  }
}
