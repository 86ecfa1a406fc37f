import { Pool } from 'undici';
import { serve } from './rpc.mjs';
import { startIngest } from './webhook.mjs';

/**
 * The in-memory relay: the ceiling for any relay on this machine (DESIGN.md §9). It accepts
 * `POST /api/v1/app/{app}/msg` with Herald's body (`{eventType, payload}`) and the admin token,
 * answers 202 with the message as Herald does, and forwards the payload to the target at once.
 * It stores, signs and retries nothing: two HTTP hops and the JSON work every relay must do.
 *
 *   RELAY_TARGET=http://127.0.0.1:port/path RELAY_CONNECTIONS=50 RELAY_TOKEN=… node relay.mjs
 */
const target = new URL(process.env.RELAY_TARGET);
const pool = new Pool(target.origin, { connections: Number(process.env.RELAY_CONNECTIONS ?? 50), pipelining: 1, keepAliveTimeout: 60_000 });
let accepted = 0;
let forwarded = 0;
let failed = 0;

function forward({ id, payload }) {
  accepted++;
  pool
    .request({ method: 'POST', path: target.pathname, headers: { 'content-type': 'application/json', 'webhook-id': id }, body: payload })
    .then((r) => r.body.dump())
    .then(() => forwarded++, () => failed++);
}

const { url } = await startIngest({ token: process.env.RELAY_TOKEN ?? '', accept: forward });
serve({ stats: () => ({ accepted, forwarded, failed }) }, { url });
