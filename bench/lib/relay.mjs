import { createServer } from 'node:http';
import { Pool } from 'undici';
import { serve } from './rpc.mjs';

/**
 * The in-memory relay: the ceiling for any relay on this machine (DESIGN.md §9). It accepts
 * `POST /api/v1/app/{app}/msg` with Herald's body (`{eventType, payload}`) and the admin token,
 * answers 202 with the message as Herald does, and forwards the payload to the target at once.
 * It stores, signs and retries nothing: two HTTP hops and the JSON work every relay must do.
 *
 *   RELAY_TARGET=http://127.0.0.1:port/path RELAY_CONNECTIONS=50 RELAY_TOKEN=… node relay.mjs
 */
const target = new URL(process.env.RELAY_TARGET);
const token = `Bearer ${process.env.RELAY_TOKEN ?? ''}`;
const pool = new Pool(target.origin, { connections: Number(process.env.RELAY_CONNECTIONS ?? 50), pipelining: 1, keepAliveTimeout: 60_000 });
const route = /^\/api\/v1\/app\/[^/]+\/msg\/?(\?|$)/;
let seq = 0;
let forwarded = 0;
let failed = 0;

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (req.method !== 'POST' || !route.test(req.url)) return void res.writeHead(404).end();
  if (req.headers.authorization !== token) return void res.writeHead(401).end();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let msg;
    try {
      msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return void res.writeHead(400).end();
    }
    const id = `msg_${++seq}`;
    const payload = JSON.stringify(msg.payload);
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, eventType: msg.eventType, eventId: null, payload: msg.payload, timestamp: new Date().toISOString() }));
    pool
      .request({ method: 'POST', path: target.pathname, headers: { 'content-type': 'application/json', 'webhook-id': id }, body: payload })
      .then((r) => r.body.dump())
      .then(() => forwarded++, () => failed++);
  });
});
server.headersTimeout = 0;
server.requestTimeout = 0;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
serve({ stats: () => ({ accepted: seq, forwarded, failed }) }, { url: `http://127.0.0.1:${port}` });
