/**
 * The two demo APIs served by `startDemoTargets`: where each one's collection lives and how its
 * ids look. Configs built for the demo (tests, benchmark, `tandem dev`) take their paths from
 * here so they cannot drift from the server.
 */
export const demoApis = {
  inventory: { path: '/inventory/reservations', idPrefix: 'res' },
  shipping: { path: '/shipping/shipments', idPrefix: 'shp' },
} as const;

/** Name of a demo API: `inventory` or `shipping`. */
export type DemoApi = keyof typeof demoApis;

/** What a request asks of a demo API: `create` is the POST, `undo` the compensating DELETE. */
export type DemoOperation = 'create' | 'undo';

/** Every demo API, in declaration order. */
export const DEMO_API_NAMES = Object.keys(demoApis) as DemoApi[];

/** Every operation of a demo API. */
export const DEMO_OPERATIONS: readonly DemoOperation[] = ['create', 'undo'];
