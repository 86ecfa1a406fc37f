import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TooManyRequestsError } from '../domain/errors.js';

/**
 * Per-token API rate limit (`HERALD_API_RATE_LIMIT` requests per second, 0: off): a token bucket
 * per token holding one second's worth, so a client that was quiet may burst that much at once.
 * A request over the limit is answered 429 `{code: "rate_limited", detail}` with `Retry-After`
 * (whole seconds until a request would pass), before its body is read or anything is stored.
 *
 * It runs after authentication, so only valid tokens get a bucket: a flood of made-up tokens
 * costs 401s, not memory. The limit is per process: N API processes behind a balancer allow N×.
 * @fastify/rate-limit was considered; its fixed windows allow twice the rate across a window
 * edge, and its key hook runs before Herald's authentication.
 */
interface Bucket {
  tokens: number;
  atMs: number;
}

/** Past this many buckets, full ones (as good as absent) are dropped before adding another. */
const bucketsMax = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly perSecond: number) {}

  /** Takes one token for `key` at `nowMs`: 0 when the request may pass, else the ms until it could. */
  take(key: string, nowMs: number): number {
    const bucket = this.buckets.get(key) ?? this.add(key, nowMs);
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((nowMs - bucket.atMs) * this.perSecond) / 1000);
    bucket.atMs = nowMs;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / this.perSecond);
  }

  get size(): number {
    return this.buckets.size;
  }

  private add(key: string, nowMs: number): Bucket {
    if (this.buckets.size >= bucketsMax) this.dropFull(nowMs);
    const bucket = { tokens: this.perSecond, atMs: nowMs };
    this.buckets.set(key, bucket);
    return bucket;
  }

  private dropFull(nowMs: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.atMs) * this.perSecond) / 1000 >= this.perSecond) this.buckets.delete(key);
    }
  }
}

/** The token a request authenticated with; a console session (no header) counts as its caller. */
function tokenKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header !== undefined) return header;
  return request.caller.kind === 'admin' ? 'session:admin' : `session:${request.caller.appId}`;
}

export function registerRateLimit(app: FastifyInstance): void {
  const perSecond = app.herald.config.apiRateLimit;
  if (perSecond === 0) return;
  const buckets = new TokenBuckets(perSecond);
  app.addHook('onRequest', async (request, reply) => {
    // Unauthenticated routes (health) have no caller and no limit.
    if (!request.caller) return;
    const waitMs = buckets.take(tokenKey(request), app.herald.clock.now().getTime());
    if (waitMs === 0) return;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    void reply.header('retry-after', String(seconds));
    throw new TooManyRequestsError(`more than ${perSecond} requests per second with this token; retry in ${seconds} s`);
  });
}
