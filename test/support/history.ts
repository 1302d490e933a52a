import { Client, type Connection } from '@temporalio/client';
import { workflowIdFor } from '../../src/contracts';

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
