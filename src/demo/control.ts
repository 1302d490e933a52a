import { DEMO_API_NAMES, DEMO_OPERATIONS, type DemoApi } from './apis';
import type { FaultTable } from './faults';
import type { Answer, ParsedBody } from './http';
import type { RequestLog } from './request-log';
import type { ControlRoute } from './routes';

/** What the control API reads and changes. */
export interface ControlState {
  readonly faults: FaultTable;
  readonly log: RequestLog;
  liveIds(api: DemoApi): string[];
}

/**
 * The answer of a control route, for humans with curl: `PUT /_faults/:api/:operation` with a
 * fault as JSON, `GET /_faults`, `DELETE /_faults`, `GET /_log`, `GET /_live`.
 */
export function answerControl(
  route: ControlRoute,
  parsed: ParsedBody,
  state: ControlState,
): Answer {
  switch (route.kind) {
    case 'log':
      return { status: 200, body: state.log.entries() };
    case 'live':
      return {
        status: 200,
        body: Object.fromEntries(DEMO_API_NAMES.map((api) => [api, state.liveIds(api)])),
      };
    case 'listFaults':
      return { status: 200, body: state.faults.list() };
    case 'clearFaults':
      state.faults.clear();
      return { status: 204 };
    case 'setFault': {
      const api = DEMO_API_NAMES.find((name) => name === route.api);
      const operation = DEMO_OPERATIONS.find((name) => name === route.operation);
      if (!api || !operation) {
        const error = `no fault target ${route.api}/${route.operation}: use ${DEMO_API_NAMES.join('|')} and ${DEMO_OPERATIONS.join('|')}`;
        return { status: 404, body: { error } };
      }
      if (!parsed.ok) return { status: 400, body: { error: parsed.error } };
      const active = state.faults.set(api, operation, parsed.value);
      if (typeof active === 'string') return { status: 400, body: { error: active } };
      return { status: 200, body: active };
    }
  }
}
