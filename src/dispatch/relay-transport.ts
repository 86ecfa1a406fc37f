import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { SendParams, SendResult } from './sender.js';

/**
 * The relay transport of `herald listen`: deliveries to a relay endpoint travel down the CLI's
 * WebSocket session instead of over HTTP, and the CLI's local answer comes back as the attempt's
 * response.
 *
 * A relay endpoint is an ordinary endpoint whose URL is `herald-relay://<endpoint id>`; only the
 * listen route creates one (the API refuses any scheme but http: and https:). The sender hands
 * every URL with this scheme to `relayHub` (one per process, shared with the API's listen
 * route). With no session connected in this process the attempt fails (status 0) and is retried
 * on the endpoint's schedule like any failure; when a session connects, the listen route makes
 * the endpoint's pending deliveries due at once.
 *
 * Frames (JSON text):
 *   Herald → CLI  {type: 'request', id, headers, body}
 *   CLI → Herald  {type: 'response', id, status, headers, body}   (body: first 16 KiB, text)
 *                 {type: 'failure', id, reason}                    (the local receiver failed)
 */
export const relayScheme = 'herald-relay:';

export function relayUrl(endpointId: string): string {
  return `${relayScheme}//${endpointId}`;
}

export function isRelayUrl(url: string): boolean {
  return url.startsWith(`${relayScheme}//`);
}

/** What the sender needs of a relay: the hub itself, or a bridge to the thread that holds it. */
export interface RelayTransport {
  send(params: SendParams): Promise<SendResult>;
}

export interface RelaySession {
  /** Writes one frame down the session. */
  send(frame: string): void;
}

export type RelayReply =
  | { type: 'response'; id: string; status: number; headers?: Record<string, string>; body?: string }
  | { type: 'failure'; id: string; reason: string };

interface Pending {
  session: RelaySession;
  settle(result: SendResult): void;
}

const responseMaxChars = 16 * 1024;

export class RelayHub implements RelayTransport {
  /** Sessions per relay key (the endpoint id), the most recent last: it gets the deliveries. */
  private readonly sessions = new Map<string, RelaySession[]>();
  private readonly pending = new Map<string, Pending>();

  /** Adds a session for `key`; returns the function that removes it and fails its requests in flight. */
  attach(key: string, session: RelaySession): () => void {
    this.sessions.set(key, [...(this.sessions.get(key) ?? []), session]);
    return () => {
      const rest = (this.sessions.get(key) ?? []).filter((s) => s !== session);
      if (rest.length > 0) this.sessions.set(key, rest);
      else this.sessions.delete(key);
      for (const [id, p] of this.pending) if (p.session === session) this.finish(id, failed('reset', 'the herald listen session closed before the local receiver answered'));
    };
  }

  isConnected(key: string): boolean {
    return this.sessions.has(key);
  }

  /** A reply frame from `session`; replies to requests it was not sent are ignored. */
  receive(session: RelaySession, reply: RelayReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending || pending.session !== session) return;
    if (reply.type === 'failure') {
      this.finish(reply.id, failed('network', `herald listen could not forward the request: ${reply.reason}`));
    } else {
      const response = (reply.body ?? '').slice(0, responseMaxChars);
      this.finish(reply.id, { statusCode: reply.status, response, responseHeaders: reply.headers ?? {}, durationMs: 0, failure: null });
    }
  }

  /** The sender's entry point for relay URLs: never throws, as `Sender.send` does not. */
  send(params: SendParams): Promise<SendResult> {
    const key = params.url.slice(relayScheme.length + 2);
    const session = this.sessions.get(key)?.at(-1);
    if (!session) {
      return Promise.resolve(failed('refused', 'not sent: no herald listen session is connected for this relay endpoint; retried on schedule, and at once when one connects'));
    }
    const started = performance.now();
    return new Promise<SendResult>((resolve) => {
      const id = randomUUID();
      const timer = setTimeout(() => this.finish(id, failed('timeout', `timed out: herald listen did not answer within ${params.timeoutMs} ms`)), params.timeoutMs);
      const onAbort = () => this.finish(id, failed('aborted', 'aborted before a response came back'));
      params.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        session,
        settle: (result) => {
          clearTimeout(timer);
          params.signal?.removeEventListener('abort', onAbort);
          resolve({ ...result, durationMs: Math.round(performance.now() - started) });
        },
      });
      try {
        session.send(JSON.stringify({ type: 'request', id, headers: params.headers, body: params.body }));
      } catch (err) {
        this.finish(id, failed('reset', `could not write to the herald listen session: ${(err as Error).message}`));
      }
    });
  }

  private finish(id: string, result: SendResult): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.settle(result);
  }
}

/** A relay send that got no response from the local receiver. */
export function failed(failure: NonNullable<SendResult['failure']>, response: string): SendResult {
  return { statusCode: 0, response, responseHeaders: null, durationMs: 0, failure };
}

/** The process's hub: the API's listen route attaches sessions, the sender delivers through it. */
export const relayHub = new RelayHub();
