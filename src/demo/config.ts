import { demoApis } from './apis';

/**
 * The config document (before validation) that points Tandem at the demo targets: used by
 * `tandem dev`, the benchmark and the tests, so all three exercise the same config path.
 */
export function demoConfigDocument(options: {
  targetsUrl: string;
  address: string;
  namespace?: string;
  taskQueue?: string;
}) {
  const { targetsUrl } = options;
  return {
    temporal: {
      address: options.address,
      namespace: options.namespace ?? 'default',
      taskQueue: options.taskQueue ?? 'tandem',
    },
    targets: {
      inventory: {
        request: {
          method: 'POST',
          url: `${targetsUrl}${demoApis.inventory.path}`,
          headers: { Authorization: 'Bearer ${INVENTORY_TOKEN}' },
          timeout: '5s',
        },
        retry: {
          initialInterval: '1s',
          maximumInterval: '10s',
          maximumAttempts: 5,
          deadline: '2m',
        },
        compensate: {
          method: 'DELETE',
          url: `${targetsUrl}${demoApis.inventory.path}/{{response.body.id}}`,
          retry: { initialInterval: '1s', maximumAttempts: 10, deadline: '10m' },
        },
      },
      shipping: {
        request: {
          method: 'POST',
          url: `${targetsUrl}${demoApis.shipping.path}`,
          timeout: '5s',
        },
        retry: {
          initialInterval: '1s',
          maximumInterval: '10s',
          maximumAttempts: 5,
          deadline: '2m',
        },
        compensate: {
          method: 'DELETE',
          url: `${targetsUrl}${demoApis.shipping.path}/{{response.body.id}}`,
          retry: { initialInterval: '1s', maximumAttempts: 10, deadline: '10m' },
        },
      },
    },
  };
}
