import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/contract/config/load';

describe('the sample tandem.config.yaml', () => {
  it('is valid and declares both demo targets with their compensations', async () => {
    const config = await loadConfig(path.resolve(__dirname, '..', '..', 'tandem.config.yaml'));

    expect(Object.keys(config.targets)).toEqual(['inventory', 'shipping']);
    expect(config.targets.inventory!.retry).toMatchObject({ jitter: 'full', deadline: 600_000 });
    expect(config.targets.inventory!.request.headers.Authorization).toBe(
      'Bearer ${INVENTORY_TOKEN}',
    );
    expect(config.targets.shipping!.compensate?.url).toContain('{{response.body.id}}');
  });
});
