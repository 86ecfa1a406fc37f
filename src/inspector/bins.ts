import { randomBytes } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { verifyRequest, type Verification } from '../profiles/verify.js';

/**
 * Request-inspector bins, kept in the memory of the API process that created them.
 *
 * Why not the store: a bin is a debugging aid that lives hours, holds what strangers sent, and
 * must not outlive its purpose; keeping it out of the database keeps it out of backups and off
 * the delivery path. The cost, written down in the README: bins vanish on restart, and with
 * several API processes behind a load balancer a bin lives in one of them only (point the
 * inspector at one process).
 *
 * Limits, so that a public capture URL cannot fill memory: at most `binsMaxDefault` live bins,
 * each keeping its newest `binRequestsMaxDefault` requests and at most `binBytesMaxDefault` of
 * stored bodies (oldest dropped first); a body is checked whole but stored only up to
 * `binBodyStoredMaxDefault`. Worst case about 50 MiB.
 */
export const binTtlSecondsDefault = 86_400;
export const binTtlSecondsMax = 604_800;
export const binsMaxDefault = 50;
export const binRequestsMaxDefault = 100;
export const binBytesMaxDefault = 1_048_576;
export const binBodyStoredMaxDefault = 65_536;

export interface BinLimits {
  bins: number;
  requests: number;
  bytes: number;
  bodyStored: number;
}

export const binLimitsDefault: BinLimits = { bins: binsMaxDefault, requests: binRequestsMaxDefault, bytes: binBytesMaxDefault, bodyStored: binBodyStoredMaxDefault };

export interface Bin {
  id: string;
  name: string;
  profile: string;
  secret: string | null;
  createdAt: Date;
  expiresAt: Date;
  requests: CapturedRequest[];
  /** Stored body bytes of `requests`. */
  bytes: number;
}

export interface CapturedRequest {
  id: string;
  receivedAt: Date;
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string>;
  /** The body as UTF-8 text, cut at the stored maximum. */
  body: string;
  bodyBytes: number;
  truncated: boolean;
  verification: Verification;
}

export interface BinIn {
  name: string;
  profile: string;
  secret: string | null;
  ttlSeconds: number;
}

export interface IncomingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

type Listener = (request: CapturedRequest) => void;

export class InspectorBins {
  private readonly bins = new Map<string, Bin>();
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: BinLimits = binLimitsDefault,
  ) {}

  create(input: BinIn): Bin {
    this.sweep();
    if (this.bins.size >= this.limits.bins) throw new ConflictError(`at most ${this.limits.bins} inspector bins may exist at once; delete one first`);
    const now = this.clock.now();
    const bin: Bin = {
      id: `bin_${randomBytes(18).toString('base64url')}`,
      name: input.name,
      profile: input.profile,
      secret: input.secret,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
      requests: [],
      bytes: 0,
    };
    this.bins.set(bin.id, bin);
    return bin;
  }

  /** Newest first. */
  list(): Bin[] {
    this.sweep();
    return [...this.bins.values()].reverse();
  }

  get(id: string): Bin {
    const bin = this.bins.get(id);
    if (!bin || bin.expiresAt <= this.clock.now()) {
      if (bin) this.delete(id);
      throw new NotFoundError(`inspector bin ${id} not found (bins expire)`);
    }
    return bin;
  }

  delete(id: string): void {
    this.bins.delete(id);
    this.listeners.delete(id);
  }

  capture(id: string, incoming: IncomingRequest): CapturedRequest {
    const bin = this.get(id);
    const now = this.clock.now();
    const stored = incoming.body.subarray(0, this.limits.bodyStored);
    const request: CapturedRequest = {
      id: `req_${randomBytes(12).toString('base64url')}`,
      receivedAt: now,
      method: incoming.method,
      url: incoming.url,
      headers: incoming.headers,
      body: stored.toString('utf8'),
      bodyBytes: incoming.body.length,
      truncated: stored.length < incoming.body.length,
      verification: verifyRequest({ profile: bin.profile, secret: bin.secret, headers: incoming.headers, body: incoming.body, now }),
    };
    bin.requests.push(request);
    bin.bytes += Buffer.byteLength(request.body, 'utf8');
    this.trim(bin);
    for (const listener of this.listeners.get(id) ?? []) listener(request);
    return request;
  }

  /** Calls `listener` for every request captured from now on; returns the unsubscribe function. */
  subscribe(id: string, listener: Listener): () => void {
    this.get(id);
    const set = this.listeners.get(id) ?? new Set<Listener>();
    this.listeners.set(id, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  private trim(bin: Bin): void {
    while (bin.requests.length > this.limits.requests || bin.bytes > this.limits.bytes) {
      const dropped = bin.requests.shift()!;
      bin.bytes -= Buffer.byteLength(dropped.body, 'utf8');
    }
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const bin of this.bins.values()) if (bin.expiresAt <= now) this.delete(bin.id);
  }
}
