import { DEMO_API_NAMES, demoApis, type DemoApi } from './apis';

/** A request to a demo API: a create, or the undo of one item. */
export type ApiRoute =
  | { readonly kind: 'api'; readonly api: DemoApi; readonly operation: 'create' }
  | {
      readonly kind: 'api';
      readonly api: DemoApi;
      readonly operation: 'undo';
      readonly id: string;
    };

/** A request to the control API (`/_faults`, `/_log`, `/_live`); names are checked later. */
export type ControlRoute =
  | { readonly kind: 'log' | 'live' | 'listFaults' | 'clearFaults' }
  | { readonly kind: 'setFault'; readonly api: string; readonly operation: string };

/** What a request asks for. */
export type Route = ApiRoute | ControlRoute | { readonly kind: 'unknown' };

/** The route of `method` and `path` (query strings ignored). */
export function routeOf(method: string, path: string): Route {
  const segments = new URL(path, 'http://demo').pathname.split('/').filter(Boolean);
  const [first, second, third, fourth] = segments;
  if (method === 'GET' && segments.length === 1 && first === '_log') return { kind: 'log' };
  if (method === 'GET' && segments.length === 1 && first === '_live') return { kind: 'live' };
  if (first === '_faults' && segments.length === 1) {
    if (method === 'GET') return { kind: 'listFaults' };
    if (method === 'DELETE') return { kind: 'clearFaults' };
  }
  if (first === '_faults' && segments.length === 3 && method === 'PUT') {
    return { kind: 'setFault', api: second ?? '', operation: third ?? '' };
  }
  for (const api of DEMO_API_NAMES) {
    const [apiSegment, collection] = demoApis[api].path.split('/').filter(Boolean);
    if (first !== apiSegment || second !== collection || fourth !== undefined) continue;
    if (third === undefined && method === 'POST') return { kind: 'api', api, operation: 'create' };
    if (third !== undefined && method === 'DELETE') {
      return { kind: 'api', api, operation: 'undo', id: third };
    }
  }
  return { kind: 'unknown' };
}
