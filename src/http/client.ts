import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import type { HttpAnswer } from '../contract/contracts';
import { TandemError } from '../contract/errors';
import { KEPT_RESPONSE_BODY_BYTES } from '../contract/limits';
import { readBody } from './body';
import {
  EgressRefusedError,
  fencedConnector,
  systemResolver,
  type EgressPolicy,
  type Resolver,
} from './egress';

/** One HTTP request, already rendered. */
export interface HttpRequest {
  method: Dispatcher.HttpMethod;
  url: string;
  /**
   * How messages name the URL: its template form, `${VAR}` secrets left as written. Errors
   * quote this, never `url`, so no secret leaves the worker in a message.
   */
  shownUrl: string;
  headers: Record<string, string>;
  /** How messages name header values (template form), by lower-case name. */
  shownHeaders?: Record<string, string>;
  body?: string;
  /** The whole attempt: connect, headers and body. */
  timeoutMs: number;
  /** Aborts the attempt early (worker shutdown). */
  signal?: AbortSignal;
}

/** How a request failed on the wire. */
export type NetworkFailureKind = 'refused' | 'unreachable' | 'timeout' | 'reset' | 'aborted';

/**
 * The request got no complete answer. `sent` tells whether the target may have received it:
 * a refused connection sent nothing, a timeout or a reset after connecting may have.
 * It keeps the socket's error code (`ECONNREFUSED`) rather than the error as `cause`: the
 * socket's message names the resolved host and port, which may be secrets.
 */
export class HttpNetworkError extends TandemError {
  override readonly name = 'HttpNetworkError';
  readonly code = 'TANDEM_HTTP_NETWORK';
  constructor(
    readonly kind: NetworkFailureKind,
    readonly sent: boolean,
    message: string,
    readonly socketCode?: string,
  ) {
    super(message);
  }
}

/**
 * The request cannot be sent as built, so it was not: its URL is not a valid http(s) URL once
 * its secrets are filled in, or a header holds a line break or a character HTTP forbids.
 * Sending it again cannot help.
 */
export class HttpRequestError extends TandemError {
  override readonly name = 'HttpRequestError';
  readonly code = 'TANDEM_HTTP_UNSENDABLE';
}

/** The egress fence refused the connection (see `EgressPolicy`); nothing was sent. */
export class HttpEgressError extends TandemError {
  override readonly name = 'HttpEgressError';
  readonly code = 'TANDEM_HTTP_EGRESS_REFUSED';
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Longest body kept from an answer; the rest is dropped. Default `KEPT_RESPONSE_BODY_BYTES`. */
  maxBodyBytes?: number;
  /** Sockets per origin. Default 64. */
  connections?: number;
  /** Where connections may go; unfenced when absent. */
  egress?: EgressPolicy;
  /** How the fence resolves host names. Default: the system's DNS. */
  resolve?: Resolver;
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
// Not kept: headers that can carry credentials, and hop-by-hop headers that say nothing
// about the answer.
const DROPPED_HEADERS = new Set([
  'set-cookie',
  'authorization',
  'proxy-authorization',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

function errorCode(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  }
  return undefined;
}

/**
 * The one HTTP client of the activities: pooled keep-alive sockets per origin, a timeout per
 * attempt, and a capped response body. It never follows redirects (the contract judges them).
 */
export class HttpClient {
  private readonly agent: Agent;
  private readonly maxBodyBytes: number;

  constructor(options: HttpClientOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? KEPT_RESPONSE_BODY_BYTES;
    this.agent = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: 10_000,
      ...(options.egress && {
        connect: fencedConnector(options.egress, options.resolve ?? systemResolver),
      }),
    });
  }

  /**
   * Sends one request. Throws {@link HttpRequestError} when it cannot be sent as built, and
   * {@link HttpNetworkError} when no complete answer arrives.
   */
  async send(request: HttpRequest): Promise<HttpAnswer> {
    const where = `${request.method} ${request.shownUrl}`;
    const { url, headers } = checked(request, where);
    if (request.signal?.aborted) {
      throw new HttpNetworkError('aborted', false, `${where} was not sent: aborted`);
    }
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers,
        body: request.body,
        signal,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      const { text, truncated } = await this.readCapped(response.body);
      return {
        status: response.statusCode,
        headers: keptHeaders(response.headers),
        ...readBody(text, truncated, response.headers['content-type']),
        ...(truncated && { truncated }),
      };
    } catch (error) {
      throw this.toNetworkError(error, request, where, timeout.aborted);
    }
  }

  /** Closes the pooled sockets. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private async readCapped(body: Dispatcher.ResponseData['body']) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      chunks.push(buffer);
      size += buffer.length;
      if (size > this.maxBodyBytes) {
        body.destroy();
        const text = Buffer.concat(chunks).subarray(0, this.maxBodyBytes).toString('utf8');
        return { text, truncated: true };
      }
    }
    return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
  }

  private toNetworkError(error: unknown, request: HttpRequest, where: string, timedOut: boolean) {
    const refused = egressRefusal(error);
    if (refused) return new HttpEgressError(`${where} was not sent: ${refused.message}`);
    const code = errorCode(error);
    if (
      timedOut ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError
    ) {
      return new HttpNetworkError(
        'timeout',
        true,
        `${where} got no answer within ${request.timeoutMs}ms`,
        code,
      );
    }
    if (code && NOT_SENT_CODES.has(code)) {
      const kind = code === 'ECONNREFUSED' ? 'refused' : 'unreachable';
      return new HttpNetworkError(kind, false, `${where} could not connect (${code})`, code);
    }
    if (request.signal?.aborted) {
      return new HttpNetworkError('aborted', true, `${where} was aborted`, code);
    }
    // Only the code or undici's class name: their messages may quote the resolved URL.
    const detail = code ?? (error instanceof Error ? error.name : 'unknown error');
    return new HttpNetworkError('reset', true, `${where} lost its connection (${detail})`, code);
  }
}

function egressRefusal(error: unknown): EgressRefusedError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof EgressRefusedError) return e;
  }
  return undefined;
}

function keptHeaders(headers: Record<string, string | string[] | undefined>) {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_HEADERS.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What RFC 9110 allows in a field value (as Node and undici check it): no CR, LF or NUL.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The request's URL and headers, checked before anything is sent, with userinfo
 * (`http://user:pass@host`) sent as Basic credentials unless an Authorization header is set.
 * A failure names the URL and header in their template form only.
 */
function checked(request: HttpRequest, where: string) {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new HttpRequestError(
      `${where} was not sent: it is not a valid URL once its secrets are filled in`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpRequestError(
      `${where} was not sent: it is not an http(s) URL once its secrets are filled in`,
    );
  }
  const headers = { ...request.headers };
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) {
      const shown = request.shownHeaders?.[name.toLowerCase()];
      throw new HttpRequestError(
        `${where} was not sent: header ${name}${shown === undefined ? '' : ` (${shown})`} holds a line break or a character HTTP does not allow`,
      );
    }
  }
  if (
    (url.username || url.password) &&
    !Object.keys(headers).some((n) => n.toLowerCase() === 'authorization')
  ) {
    headers.authorization = `Basic ${Buffer.from(credentials(url, where)).toString('base64')}`;
  }
  return { url, headers };
}

function credentials(url: URL, where: string): string {
  try {
    return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    throw new HttpRequestError(`${where} was not sent: its user name or password is not valid`);
  }
}
