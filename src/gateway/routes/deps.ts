import type { TandemClient } from '../../client/client';
import type { TandemConfig } from '../../contract/config/schema';
import type { requestSchemaFor } from '../../contract/request';
import type { GatewayMetrics } from '../metrics';
import type { OpenApiDocument } from '../openapi';

/** What the routes work with. */
export interface RouteDeps {
  client: TandemClient;
  config: TandemConfig;
  metrics: GatewayMetrics;
  /** The request schema of this config (the client's own). */
  requestSchema: ReturnType<typeof requestSchemaFor>;
  /**
   * Whether a caller (as a route's `caller` names it) may see internals such as the Temporal
   * address: a key with the `read` scope, or anyone when the gateway requires no key.
   */
  mayRead: (caller: string) => boolean;
  /** The document this gateway serves (built from these routes). */
  openapi: () => OpenApiDocument;
}
