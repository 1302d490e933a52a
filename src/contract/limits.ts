/**
 * Tandem's limits, one number each. Every way in (client, CLI, gateway) enforces these, the
 * OpenAPI document states them, and docs/config.md lists them. Safe to import from workflow code.
 */

/** Temporal's default blob size limit: a larger payload in one event is refused by the server. */
export const TEMPORAL_BLOB_LIMIT_BYTES = 2 * 1024 * 1024;

/** Default of `limits.payload`: the largest delivery payload, as serialized JSON bytes. */
export const DEFAULT_PAYLOAD_LIMIT_BYTES = 512 * 1024;

/**
 * The most `limits.payload` may be set to: a payload travels once in the run's start event,
 * beside the plan of every leg, and must leave room for them under the blob limit.
 */
export const MAX_PAYLOAD_LIMIT_BYTES = 1024 * 1024;

/** The most targets one delivery may name. */
export const MAX_TARGETS_PER_DELIVERY = 32;

/** The longest delivery id. */
export const MAX_DELIVERY_ID_LENGTH = 200;

/** The largest part of a target's response body that a leg keeps (for templates and status). */
export const KEPT_RESPONSE_BODY_BYTES = 64 * 1024;

/** Deepest nesting of a payload or of a kept response body. */
export const MAX_JSON_DEPTH = 64;

/**
 * Deepest nesting of a request body as the gateway reads it: a payload at its deepest, inside
 * the request object around it. Deeper text is refused before it is parsed.
 */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 1;

/**
 * The most issues one refusal lists (bad fields, unknown keys); the rest are counted, not
 * listed, so a body of 100,000 bad fields gets a small answer.
 */
export const MAX_ISSUES_LISTED = 20;

/** Largest page of a list. */
export const MAX_PAGE_SIZE = 200;

/**
 * A run's own history budget, in bytes: past it, no new attempt starts and the run compensates
 * or parks with a reason. Well under Temporal's 50 MiB hard limit (and its 10 MiB warning).
 */
export const HISTORY_BUDGET_BYTES = 8 * 1024 * 1024;

/**
 * A run's own budget of history events, beside {@link HISTORY_BUDGET_BYTES}: well under
 * Temporal's hard limit of 51,200 events (and at its 10,240 warning).
 */
export const HISTORY_BUDGET_EVENTS = 10_000;

/** The longest error text or reason a delivery's state keeps; longer ones are cut. */
export const STATE_TEXT_CHARS = 500;

/** How many operator actions a delivery's state keeps, newest last. */
export const OPERATOR_ACTIONS_KEPT = 20;

/** The longest note an operator action takes (trimmed), at every way in. */
export const MAX_NOTE_CHARS = 500;

/** The longest `by` an operator action takes (trimmed): who says they ask. */
export const MAX_ACTOR_CHARS = 200;

/**
 * The most operator signals one run acts on; later ones are counted and ignored. Temporal's own
 * cap (`history.maximumSignalsPerExecution` in deploy/temporal/dynamicconfig.yaml) refuses
 * signals past a higher number at the server.
 */
export const MAX_OPERATOR_SIGNALS = 500;

/** The most time one `extendDeadline` may add to a leg's deadline. */
export const MAX_DEADLINE_EXTENSION_MS = 7 * 24 * 3_600_000;

/** The most signing secrets one target may sign with at once (a rotation needs two). */
export const MAX_SIGNING_SECRETS = 4;

/**
 * Room a delivery request needs beside its payload (id, target names, JSON punctuation): the
 * gateway's body limit must be at least `limits.payload` plus this.
 */
export const MAX_REQUEST_ENVELOPE_BYTES = 4 * 1024;

/**
 * Failed authentications (no key, a wrong key, a wrong codec token) one client address may make
 * in {@link AUTH_FAILURE_WINDOW_MS}; past them, its credentials are not checked (429) until the
 * window ends, so keys cannot be guessed at speed.
 */
export const AUTH_FAILURES_PER_ADDRESS = 10;

/** The window of {@link AUTH_FAILURES_PER_ADDRESS}. */
export const AUTH_FAILURE_WINDOW_MS = 60_000;

/**
 * The highest rate limit a target may be given (`rateLimit`, `tandem target limit`), in attempts
 * per second across every worker.
 */
export const MAX_RATE_LIMIT_PER_SECOND = 10_000;

/**
 * The longest window a target's circuit breaker may judge over (`breaker.window`): its controller
 * keeps one bucket per second of it, carried across its continue-as-new.
 */
export const MAX_BREAKER_WINDOW_MS = 10 * 60_000;
