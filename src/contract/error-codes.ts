/**
 * Every Tandem error's stable `code`, and what each way in answers for it: the gateway's HTTP
 * status and problem kind, the CLI's exit code, and whether the same request may succeed if sent
 * again. The ways in look a code up here; they do not decide by the error's class.
 */

/**
 * How `tandem` exits, so scripts can branch without parsing messages. `1` stays what it has
 * always been for `tandem worker`: the setup is wrong (config or connection) or something
 * unexpected happened; the one-line message on stderr says which.
 */
export const ExitCode = {
  ok: 0,
  /** The config is missing or invalid, Temporal cannot be reached, or an unexpected error. */
  setup: 1,
  /** Unknown verb or option, a missing argument or a bad option value. */
  usage: 2,
  /** No delivery (or bulk action) has this id. */
  unknownDelivery: 3,
  /** The delivery or the action names what the delivery or the config does not have, or is malformed. */
  badDelivery: 4,
  /** The payload is missing, unreadable, not JSON, too large, or holds what cannot be carried. */
  badPayload: 5,
  /** The delivery refused the action (e.g. retry when not parked), or the id is taken. */
  refused: 6,
  /** `deliver --wait`: the delivery ended (or parked) without completing. */
  notCompleted: 7,
  /** No answer in time: no worker took an action, or `--wait --timeout` passed. */
  timedOut: 8,
} as const;
/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What the ways in answer for one code. */
export interface ErrorAnswer {
  /** The gateway's HTTP status (that of `problem`). */
  status: number;
  /** The gateway's problem kind (`urn:tandem:problem:<problem>`). */
  problem: string;
  /** The CLI's exit code. */
  exit: ExitCode;
  /** Whether sending the same request again may succeed (the gateway adds `Retry-After`). */
  retryable: boolean;
}

/** An error no request to the gateway can raise: if one does, it is the gateway's failure. */
const internal = { status: 500, problem: 'internal' } as const;
/** A setup problem (config, tools, cluster) that the same command cannot get past. */
const setup = { ...internal, exit: ExitCode.setup, retryable: false } as const;
/** A request whose input is invalid: sent again as it is, it fails again. */
const invalid = { status: 400, problem: 'invalid-request', retryable: false } as const;
/** An action the delivery refuses as it is now. */
const refused = { status: 409, exit: ExitCode.refused, retryable: false } as const;

/** Every Tandem error code, and what the gateway and the CLI answer for it. */
export const ERROR_CODES = {
  TANDEM_CONFIG_INVALID: setup,
  TANDEM_GATEWAY_SETUP: setup,
  TANDEM_LOG_SETUP: setup,
  TANDEM_NAMESPACE_SETUP: setup,
  TANDEM_TEMPLATE_FIELD_MISSING: setup,
  TANDEM_TEMPLATE_UNSAFE_SEGMENT: setup,
  TANDEM_TEMPLATE_UNENCODABLE: setup,
  TANDEM_INVALID_DELIVERY: { ...invalid, exit: ExitCode.badDelivery },
  TANDEM_UNKNOWN_TARGET: {
    status: 422,
    problem: 'unknown-target',
    exit: ExitCode.badDelivery,
    retryable: false,
  },
  TANDEM_PAYLOAD_TOO_LARGE: {
    status: 413,
    problem: 'payload-too-large',
    exit: ExitCode.badPayload,
    retryable: false,
  },
  TANDEM_PAYLOAD_INVALID: { ...internal, exit: ExitCode.badPayload, retryable: false },
  TANDEM_PAYLOAD_DECRYPT: {
    status: 422,
    problem: 'undecryptable-payload',
    exit: ExitCode.setup,
    retryable: false,
  },
  TANDEM_DELIVERY_NOT_FOUND: {
    status: 404,
    problem: 'delivery-not-found',
    exit: ExitCode.unknownDelivery,
    retryable: false,
  },
  TANDEM_DELIVERY_CONFLICT: { ...refused, problem: 'delivery-conflict' },
  TANDEM_ACTION_REFUSED: { ...refused, problem: 'action-refused' },
  TANDEM_ACTION_INVALID: { ...invalid, exit: ExitCode.badDelivery },
  TANDEM_UNKNOWN_LEG: { ...invalid, exit: ExitCode.badDelivery },
  TANDEM_BATCH_SELECTION_INVALID: { ...invalid, exit: ExitCode.usage },
  TANDEM_BATCH_NOT_FOUND: {
    status: 404,
    problem: 'batch-not-found',
    exit: ExitCode.unknownDelivery,
    retryable: false,
  },
  TANDEM_BATCH_INCOMPLETE: { ...internal, exit: ExitCode.refused, retryable: false },
  TANDEM_BATCH_REFUSED: {
    status: 409,
    problem: 'batch-refused',
    exit: ExitCode.refused,
    retryable: true,
  },
  TANDEM_TARGET_NOT_FOUND: {
    status: 404,
    problem: 'target-not-found',
    exit: ExitCode.badDelivery,
    retryable: false,
  },
  TANDEM_TARGET_ACTION_REFUSED: { ...refused, problem: 'target-action-refused' },
  TANDEM_INVALID_PAGE_TOKEN: { ...invalid, exit: ExitCode.setup },
  TANDEM_DELIVERY_NOT_COMPLETED: { ...internal, exit: ExitCode.notCompleted, retryable: false },
  TANDEM_TIMED_OUT: { ...internal, exit: ExitCode.timedOut, retryable: true },
  TANDEM_TEMPORAL_UNAVAILABLE: {
    status: 503,
    problem: 'temporal-unavailable',
    exit: ExitCode.setup,
    retryable: true,
  },
  TANDEM_WORKER_UNAVAILABLE: {
    status: 503,
    problem: 'worker-unavailable',
    exit: ExitCode.timedOut,
    retryable: true,
  },
  TANDEM_HTTP_NETWORK: { ...internal, exit: ExitCode.setup, retryable: true },
  TANDEM_HTTP_UNSENDABLE: setup,
  TANDEM_HTTP_EGRESS_REFUSED: setup,
  TANDEM_EGRESS_REFUSED: setup,
  TANDEM_CLUSTER_FAILED: setup,
  TANDEM_CLUSTER_INSTALL_FAILED: setup,
  TANDEM_OBSERVABILITY_BACKEND_FAILED: setup,
  TANDEM_TEMPORAL_CLI_NOT_FOUND: setup,
  TANDEM_TEMPORAL_CLI_INVALID_PATH: setup,
  TANDEM_TEMPORAL_CLI_INSTALL_FAILED: setup,
  TANDEM_CHROMIUM_UNAVAILABLE: setup,
  TANDEM_DYNAMIC_CONFIG: setup,
  TANDEM_WORKER_VERSION: setup,
  TANDEM_WORKER_PARTS: { ...internal, exit: ExitCode.usage, retryable: false },
} as const satisfies Record<string, ErrorAnswer>;

/** One Tandem error code (see {@link ERROR_CODES}). */
export type ErrorCode = keyof typeof ERROR_CODES;
