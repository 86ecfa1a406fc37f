import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Agent, buildConnector } from 'undici';
import { BlockedAddressError, NetworkGuard } from './network-guard.js';

/**
 * One HTTP POST per attempt, over undici.
 *
 * - One keep-alive `Agent` for the whole process; it keeps a pool per origin, so consecutive
 *   deliveries to an endpoint reuse the connection.
 * - Connect timeout 5 s; the total timeout (profile or endpoint, 15 s by default) is an abort
 *   timer over the whole exchange, headers and body alike.
 * - Redirects are never followed (undici's `request` only follows them through the redirect
 *   interceptor, which is not installed): a 3xx is recorded as it came.
 * - At most the first 16 KiB of a response body is read; then the stream is destroyed, which
 *   closes that connection instead of draining an arbitrarily large body.
 * - Every failure becomes a result with `statusCode: 0` and a reason in `response`; `send` does
 *   not throw.
 * - The private-network guard runs inside the connector, after DNS, on every new connection.
 */
export const connectTimeoutMsDefault = 5_000;
export const responseMaxBytesDefault = 16 * 1024;

export const heraldVersion: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
export const userAgent = `Herald/${heraldVersion}`;

export type SendFailure = 'invalid-url' | 'blocked' | 'dns' | 'refused' | 'connect-timeout' | 'tls' | 'reset' | 'timeout' | 'aborted' | 'network';

export interface SendParams {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the request (graceful stop); the result then has `failure: 'aborted'`. */
  signal?: AbortSignal;
}

export interface SendResult {
  /** 0 when no HTTP response came back. */
  statusCode: number;
  /** The first 16 KiB of the body as text, or the reason there was no response. */
  response: string;
  responseHeaders: Record<string, string> | null;
  durationMs: number;
  /** Why no response came back; null when one did (whatever its status). */
  failure: SendFailure | null;
}

export interface SenderOptions {
  allowedNetworks: readonly string[];
  connectTimeoutMs?: number;
  responseMaxBytes?: number;
}

const tlsCodes = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_|HOSTNAME_MISMATCH|ERR_OSSL)/;

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The error undici surfaced, or the first cause that names a system error code. */
function rootError(err: unknown): unknown {
  let current = err;
  for (let i = 0; i < 5 && current instanceof Error; i++) {
    if (current instanceof BlockedAddressError || errorCode(current) !== '' || !(current.cause instanceof Error)) return current;
    current = current.cause;
  }
  return current;
}

function describe(err: unknown, url: URL, connectTimeoutMs: number): { failure: SendFailure; response: string } {
  const root = rootError(err);
  if (root instanceof BlockedAddressError) return { failure: 'blocked', response: root.message };
  const code = errorCode(root);
  const message = (root instanceof Error ? root.message : String(root)).trim();
  const target = url.host;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA' || code === 'EAI_NONAME') {
    return { failure: 'dns', response: `DNS lookup failed for ${url.hostname} (${code})` };
  }
  if (code === 'ECONNREFUSED') return { failure: 'refused', response: `connection refused by ${target} (ECONNREFUSED)` };
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return { failure: 'connect-timeout', response: `could not connect to ${target} within ${connectTimeoutMs} ms (${code})` };
  }
  if (tlsCodes.test(code) || /\b(SSL|TLS|certificate)\b/i.test(message)) {
    return { failure: 'tls', response: `TLS error with ${target}: ${message}${code ? ` (${code})` : ''}` };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') {
    return { failure: 'reset', response: `connection closed by ${target} before a complete response (${code})` };
  }
  return { failure: 'network', response: `request to ${target} failed: ${message}${code ? ` (${code})` : ''}` };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export class Sender {
  private readonly agent: Agent;
  private readonly connectTimeoutMs: number;
  private readonly responseMaxBytes: number;
  readonly guard: NetworkGuard;

  constructor(options: SenderOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? connectTimeoutMsDefault;
    this.responseMaxBytes = options.responseMaxBytes ?? responseMaxBytesDefault;
    const guard = new NetworkGuard(options.allowedNetworks);
    this.guard = guard;
    const base = buildConnector({ timeout: this.connectTimeoutMs, lookup: guard.lookup });
    this.agent = new Agent({
      // Node skips `lookup` for literal addresses, so those are checked here, before any socket.
      connect: (opts, callback) => {
        const reason = guard.blockReason(opts.hostname);
        if (reason !== null) callback(new BlockedAddressError(reason, opts.hostname), null);
        else base(opts, callback);
      },
    });
  }

  async send(params: SendParams): Promise<SendResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(params.url);
    } catch {
      return { statusCode: 0, response: `not sent: "${params.url}" is not a valid URL`, responseHeaders: null, durationMs: 0, failure: 'invalid-url' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { statusCode: 0, response: `not sent: only http: and https: URLs are delivered, not ${url.protocol}`, responseHeaders: null, durationMs: 0, failure: 'invalid-url' };
    }

    // One controller per request, aborted by the timeout or by the caller's signal. (Forwarding
    // the caller's abort with a listener is cheaper than AbortSignal.any, whose composite signals
    // took 47 ms of a 3.7 s CPU profile of 5,000 in-process deliveries on the 2-core dev VM.)
    const controller = new AbortController();
    const signal = controller.signal;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, params.timeoutMs);
    const forwardAbort = (): void => controller.abort();
    if (params.signal?.aborted) controller.abort();
    params.signal?.addEventListener('abort', forwardAbort, { once: true });
    const cleanup = (): void => {
      clearTimeout(timer);
      params.signal?.removeEventListener('abort', forwardAbort);
    };
    const timeoutResult = (): SendResult => ({
      statusCode: 0,
      response: `timed out: no response from ${url.host} within ${params.timeoutMs} ms`,
      responseHeaders: null,
      durationMs: elapsed(),
      failure: 'timeout',
    });

    let res: Awaited<ReturnType<Agent['request']>>;
    try {
      res = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: params.headers,
        body: params.body,
        signal,
        headersTimeout: params.timeoutMs,
        bodyTimeout: params.timeoutMs,
      });
    } catch (err) {
      cleanup();
      if (timedOut) return timeoutResult();
      if (params.signal?.aborted) return { statusCode: 0, response: 'aborted before a response came back', responseHeaders: null, durationMs: elapsed(), failure: 'aborted' };
      const code = errorCode(err);
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return timeoutResult();
      return { statusCode: 0, ...describe(err, url, this.connectTimeoutMs), responseHeaders: null, durationMs: elapsed() };
    }

    // The status is final once the headers are in; the body is read best-effort within what is
    // left of the timeout, and a stall or reset while reading it keeps what arrived.
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        const room = this.responseMaxBytes - size;
        if (chunk.length >= room) {
          chunks.push(chunk.subarray(0, room));
          size += room;
          break;
        }
        chunks.push(chunk);
        size += chunk.length;
      }
    } catch {
      // Timeout or reset mid-body: what arrived is recorded.
    } finally {
      cleanup();
      if (!res.body.destroyed) res.body.destroy();
    }
    return {
      statusCode: res.statusCode,
      response: Buffer.concat(chunks, size).toString('utf8'),
      responseHeaders: flattenHeaders(res.headers),
      durationMs: elapsed(),
      failure: null,
    };
  }

  /** Closes pooled connections; in-flight requests finish first. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
