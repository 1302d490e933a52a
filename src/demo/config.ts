import { demoApis, type DemoApi } from './apis';

/** One demo API as a Tandem target: create with POST, undo with DELETE of the id it answered. */
function demoTarget(targetsUrl: string, api: DemoApi, headers?: Record<string, string>) {
  const url = `${targetsUrl}${demoApis[api].path}`;
  return {
    request: { method: 'POST', url, ...(headers && { headers }), timeout: '5s' },
    retry: {
      initialInterval: '1s',
      maximumInterval: '10s',
      maximumAttempts: 5,
      deadline: '2m',
    },
    compensate: {
      method: 'DELETE',
      url: `${url}/{{response.body.id}}`,
      retry: { initialInterval: '1s', maximumAttempts: 10, deadline: '10m' },
    },
  };
}

/**
 * The config document (before validation) that points Tandem at the demo targets: used by
 * `tandem dev`, the benchmark and the tests, so all three exercise the same config path.
 */
export function demoConfigDocument(options: {
  targetsUrl: string;
  address: string;
  namespace?: string;
  taskQueue?: string;
  /** The Worker Deployment; default the config's (`tandem`). */
  deploymentName?: string;
}) {
  const { targetsUrl } = options;
  return {
    temporal: {
      address: options.address,
      namespace: options.namespace ?? 'default',
      taskQueue: options.taskQueue ?? 'tandem',
      ...(options.deploymentName !== undefined && {
        deployment: { name: options.deploymentName },
      }),
    },
    targets: {
      // A secret header, so every run shows `${VAR}` staying out of history.
      inventory: demoTarget(targetsUrl, 'inventory', {
        Authorization: 'Bearer ${INVENTORY_TOKEN}',
      }),
      shipping: demoTarget(targetsUrl, 'shipping'),
    },
  };
}
