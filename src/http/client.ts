import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import type { HttpAnswer } from '../contracts';
import { TandemError } from '../errors';

/** One HTTP request, already rendered. */
export interface HttpRequest {
  method: Dispatcher.HttpMethod;
  url: string;
  headers: Record<string, string>;
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
 */
export class HttpNetworkError extends TandemError {
  override readonly name = 'HttpNetworkError';
  readonly code = 'TANDEM_HTTP_NETWORK';
  constructor(
    readonly kind: NetworkFailureKind,
    readonly sent: boolean,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Longest body kept from an answer; the rest is dropped. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Sockets per origin. Default 64. */
  connections?: number;
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
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    this.agent = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 10_000 });
  }

  /** Sends one request; throws {@link HttpNetworkError} when no complete answer arrives. */
  async send(request: HttpRequest): Promise<HttpAnswer> {
    if (request.signal?.aborted) {
      throw new HttpNetworkError(
        'aborted',
        false,
        `${request.method} ${request.url} was not sent: aborted`,
      );
    }
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    const url = new URL(request.url);
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      const { text, truncated } = await this.readCapped(response.body);
      return {
        status: response.statusCode,
        headers: keptHeaders(response.headers),
        body: parseBody(text, truncated, response.headers['content-type']),
        ...(truncated && { truncated }),
      };
    } catch (error) {
      throw this.toNetworkError(error, request, timeout.aborted);
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

  private toNetworkError(error: unknown, request: HttpRequest, timedOut: boolean) {
    const where = `${request.method} ${request.url}`;
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
        { cause: error },
      );
    }
    if (code && NOT_SENT_CODES.has(code)) {
      const kind = code === 'ECONNREFUSED' ? 'refused' : 'unreachable';
      return new HttpNetworkError(kind, false, `${where} could not connect (${code})`, {
        cause: error,
      });
    }
    if (request.signal?.aborted) {
      return new HttpNetworkError('aborted', true, `${where} was aborted`, { cause: error });
    }
    const detail = code ?? (error instanceof Error ? error.message : String(error));
    return new HttpNetworkError('reset', true, `${where} lost its connection (${detail})`, {
      cause: error,
    });
  }
}

function keptHeaders(headers: Record<string, string | string[] | undefined>) {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_HEADERS.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

function parseBody(text: string, truncated: boolean, contentType: unknown): unknown {
  if (text === '') return null;
  if (!truncated && typeof contentType === 'string' && /\bjson\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
