import { msToTs } from '@temporalio/common/lib/time';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import { NamespaceSetupError } from '../../src/contract/errors';
import { TANDEM_SEARCH_ATTRIBUTES } from '../../src/contract/search-attributes';
import { startSystem, withWorkers } from '../support/system';

describe('a worker on a namespace without Tandem’s search attributes', () => {
  it('refuses to start, naming each missing attribute and the command that registers it', async () => {
    const system = await startSystem(() => undefined, { workers: false });
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const namespace = `bare-${system.newId()}`;
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      const { temporal } = system.document as { temporal: Record<string, unknown> };
      const config = parseConfig(
        { ...system.document, temporal: { ...temporal, namespace } },
        'test config',
      );
      let polled = false;
      const started = withWorkers(config, connection, () => {
        polled = true;
        return Promise.resolve();
      });

      const error = await started.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NamespaceSetupError);
      expect((error as NamespaceSetupError).missing.map((m) => m.name)).toEqual(
        TANDEM_SEARCH_ATTRIBUTES.map((key) => key.name),
      );
      expect((error as Error).message).toContain(
        `temporal operator search-attribute create --namespace ${namespace} --name TandemHolds --type KeywordList`,
      );
      expect(polled).toBe(false);
    } finally {
      await connection.close();
      await system.stop();
    }
  });
});
