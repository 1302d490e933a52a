/**
 * The versions of what `tandem cluster` runs. docker-compose.yml pins the same ones as its
 * image defaults (test/unit/compose.test.ts holds the two together).
 */
export const CLUSTER_VERSIONS = {
  /** Temporal Server, built from its Go module `go.temporal.io/server`. */
  temporal: '1.32.2',
  /** The Temporal Web UI server, built from `github.com/temporalio/ui-server/v2`. */
  ui: '2.56.4',
  /** PostgreSQL major version: the machine's own locally, the `postgres` image in compose. */
  postgresql: '15',
  /**
   * The Go toolchain the builds ask for: Temporal 1.32 needs Go >= 1.26.10, and `go` fetches
   * this one from the module proxy when the installed Go is older.
   */
  goToolchain: 'go1.27.3',
} as const;

/** Go packages of the server, its SQL schema tool and the UI server. */
export const GO_PACKAGES = {
  server: 'go.temporal.io/server/cmd/server',
  sqlTool: 'go.temporal.io/server/cmd/tools/sql',
  uiServer: 'github.com/temporalio/ui-server/v2/cmd/server',
} as const;

/**
 * The trace and metrics backends `tandem dev --traces` and the observability tests run, built
 * with the same Go toolchain: Jaeger's v2 binary (one process: OTLP receiver, in-memory store,
 * query API and UI; its Go module is tagged v1.x) and Prometheus 3 (its Go module is tagged
 * v0.3xx).
 */
export const OBSERVABILITY_VERSIONS = {
  jaeger: '1.75.0',
  prometheus: '0.316.0',
} as const;

/** Go modules and packages of the trace and metrics backends. */
export const OBSERVABILITY_PACKAGES = {
  /** Its go.mod has `replace` lines, which `go install pkg@version` refuses: built in its module. */
  jaegerModule: 'github.com/jaegertracing/jaeger',
  jaeger: './cmd/jaeger',
  prometheus: 'github.com/prometheus/prometheus/cmd/prometheus',
} as const;
