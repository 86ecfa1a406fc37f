import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { Agent, buildConnector } from 'undici';
import { BlockedAddressError, NetworkGuard } from './network-guard.js';
import { isRelayUrl, relayHub, type RelayTransport } from './relay-transport.js';

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
 *   closes that connection instead of draining an arbitrarily large body (a 100 MB answer costs
 *   16 KiB plus the socket buffers: `test/e2e/hostile-receivers.test.ts`).
 * - The response counts once its headers and (up to the cap) its body are in within the timeout.
 *   A body cut off by a reset, or still trickling in at the timeout, fails the attempt
 *   (`statusCode: 0`, failure `reset` or `timeout`, the status that had arrived named in
 *   `response`): the receiver may never have finished, so at-least-once sends it again.
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
  /** `HERALD_DNS_SERVERS`; null or empty: the system resolver. */
  dnsServers?: readonly string[] | null;
  connectTimeoutMs?: number;
  responseMaxBytes?: number;
  /**
   * Where `herald-relay://` URLs go: the process's `relayHub` by default; in the delivery thread,
   * the bridge to the API thread's hub (`src/delivery-thread/relay-bridge.ts`).
   */
  relay?: RelayTransport;
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

/** getaddrinfo's codes, or any error of a DNS query (`queryA`, `queryAaaa`: a resolver's own ECONNREFUSED, ETIMEOUT…). */
function isDnsError(err: unknown, code: string): boolean {
  const syscall = (err as { syscall?: unknown } | null)?.syscall;
  return code === 'ENOTFOUND' || code.startsWith('EAI_') || (typeof syscall === 'string' && syscall.startsWith('query'));
}

function describe(err: unknown, url: URL, connectTimeoutMs: number): { failure: SendFailure; response: string } {
  const root = rootError(err);
  if (root instanceof BlockedAddressError) return { failure: 'blocked', response: root.message };
  const code = errorCode(root);
  const message = (root instanceof Error ? root.message : String(root)).trim();
  const target = url.host;
  if (isDnsError(root, code)) {
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

function failed(failure: SendFailure, response: string, durationMs: number): SendResult {
  return { statusCode: 0, response, responseHeaders: null, durationMs, failure };
}

/** The URL, or why it is not sent (not a URL, or not http/https). */
function parseTarget(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `not sent: "${raw}" is not a valid URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `not sent: only http: and https: URLs are delivered, not ${url.protocol}`;
  return url;
}

/**
 * Reads at most `maxBytes` of a response body; stopping early destroys the stream, which closes
 * that connection instead of draining an arbitrarily large body. A reset or timeout mid-body
 * comes back as `error`, with what arrived before it.
 */
async function readCapped(body: Readable, maxBytes: number): Promise<{ text: string; error: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let error: unknown = null;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = maxBytes - size;
      chunks.push(chunk.length >= room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= maxBytes) break;
    }
  } catch (err) {
    error = err;
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), error };
}

/**
 * One request's timer and abort wiring: one controller, aborted by the total timeout or by the
 * caller's signal. (Forwarding the caller's abort with a listener is cheaper than
 * AbortSignal.any, whose composite signals took 47 ms of a 3.7 s CPU profile of 5,000 in-process
 * deliveries on the 2-core dev VM.)
 */
class Exchange {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly forwardAbort = (): void => this.controller.abort();
  timedOut = false;

  constructor(readonly params: SendParams, readonly url: URL, private readonly started: number) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, params.timeoutMs);
    if (params.signal?.aborted) this.controller.abort();
    params.signal?.addEventListener('abort', this.forwardAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  elapsed(): number {
    return Math.round(performance.now() - this.started);
  }

  /** `what` reads "no response from <host>" or "<host> answered 200 but its body did not complete". */
  timeout(what: string, suffix = ''): SendResult {
    return failed('timeout', `timed out: ${what} within ${this.params.timeoutMs} ms${suffix}`, this.elapsed());
  }

  aborted(): SendResult {
    return failed('aborted', 'aborted before a complete response came back', this.elapsed());
  }

  cleanup(): void {
    clearTimeout(this.timer);
    this.params.signal?.removeEventListener('abort', this.forwardAbort);
  }
}

export class Sender {
  private readonly agent: Agent;
  private readonly connectTimeoutMs: number;
  private readonly responseMaxBytes: number;
  private readonly relay: RelayTransport;
  readonly guard: NetworkGuard;

  constructor(options: SenderOptions) {
    this.relay = options.relay ?? relayHub;
    this.connectTimeoutMs = options.connectTimeoutMs ?? connectTimeoutMsDefault;
    this.responseMaxBytes = options.responseMaxBytes ?? responseMaxBytesDefault;
    const guard = new NetworkGuard(options.allowedNetworks, options.dnsServers ?? null);
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
    // `herald listen` relay endpoints: delivered down the CLI's session (relay-transport.ts).
    if (isRelayUrl(params.url)) return this.relay.send(params);
    const started = performance.now();
    const target = parseTarget(params.url);
    if (typeof target === 'string') return failed('invalid-url', target, 0);
    const exchange = new Exchange(params, target, started);
    try {
      return await this.exchange(exchange);
    } finally {
      exchange.cleanup();
    }
  }

  private async exchange(ex: Exchange): Promise<SendResult> {
    const { params, url } = ex;
    let res: Awaited<ReturnType<Agent['request']>>;
    try {
      res = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: params.headers,
        body: params.body,
        signal: ex.signal,
        headersTimeout: params.timeoutMs,
        bodyTimeout: params.timeoutMs,
      });
    } catch (err) {
      const code = errorCode(err);
      if (ex.timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return ex.timeout(`no response from ${url.host}`);
      if (params.signal?.aborted) return ex.aborted();
      const { failure, response } = describe(err, url, this.connectTimeoutMs);
      return failed(failure, response, ex.elapsed());
    }
    const responseHeaders = flattenHeaders(res.headers);
    const body = await readCapped(res.body, this.responseMaxBytes);
    if (body.error === null) return { statusCode: res.statusCode, response: body.text, responseHeaders, durationMs: ex.elapsed(), failure: null };
    // The status line alone does not make a delivery: a body cut off by a reset or still arriving
    // at the timeout is an incomplete answer, so the attempt fails and the delivery is retried.
    const answered = `${url.host} answered ${res.statusCode} but`;
    const soFar = body.text === '' ? '' : `; body so far: ${body.text}`;
    if (ex.timedOut || errorCode(body.error) === 'UND_ERR_BODY_TIMEOUT') return { ...ex.timeout(`${answered} its body did not complete`, soFar), responseHeaders };
    if (params.signal?.aborted) return ex.aborted();
    const code = errorCode(rootError(body.error)) || 'ECONNRESET';
    return { ...failed('reset', `${answered} closed the connection before its body was complete (${code})${soFar}`, ex.elapsed()), responseHeaders };
  }

  /** Closes pooled connections; in-flight requests finish first. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
