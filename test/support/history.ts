import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { workflowIdFor } from '../../src/contract/contracts';

/** Where the histories of the main paths are kept for the replay test. */
export const HISTORIES_DIR = path.resolve(__dirname, '..', 'replay', 'histories');

/**
 * Saves a finished delivery's history as `test/replay/histories/<name>.json` when the run records
 * (`TANDEM_RECORD_HISTORIES=1`); otherwise does nothing. Histories are recorded once, committed,
 * and replayed by every later run so a change that breaks determinism fails in CI.
 */
export async function recordHistory(
  connection: Connection,
  deliveryId: string,
  name: string,
): Promise<void> {
  if (process.env.TANDEM_RECORD_HISTORIES !== '1') return;
  const handle = new Client({ connection }).workflow.getHandle(workflowIdFor(deliveryId));
  await mkdir(HISTORIES_DIR, { recursive: true });
  await writeFile(
    path.join(HISTORIES_DIR, `${name}.json`),
    historyToJSON(await handle.fetchHistory()),
  );
}

/** Every byte of a delivery's history as text, with payloads decoded from their binary form. */
export async function historyText(connection: Connection, deliveryId: string): Promise<string> {
  const handle = new Client({ connection }).workflow.getHandle(workflowIdFor(deliveryId));
  const history = await handle.fetchHistory();
  const parts: string[] = [];
  JSON.stringify(history, (key, value: unknown) => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (key === 'data' && typeof value === 'string') {
      parts.push(Buffer.from(value, 'base64').toString('utf8'));
    }
    return value;
  });
  return parts.join('\n') + JSON.stringify(history);
}
