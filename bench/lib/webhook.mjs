import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Pool } from 'undici';

/**
 * What every hand-written relay or dispatcher needs, shared by lib/relay.mjs and bench/peers/:
 * Herald's ingest route on plain `node:http`, and a signed webhook POST with undici.
 */

const route = /^\/api\/v1\/app\/[^/]+\/msg\/?(\?|$)/;

/**
 * Listens on a free loopback port for `POST /api/v1/app/{app}/msg` with Herald's body
 * (`{eventType, payload}`) and `Authorization: Bearer <token>`. Each message becomes
 * `{ id, eventType, payload (JSON text), timestamp (s) }` and is handed to `accept(message)`;
 * once that settles the answer is 202 with the message as Herald answers it (or 500 if it
 * threw). Resolves to `{ server, url }`.
 */
export async function startIngest({ token, accept }) {
  const bearer = `Bearer ${token}`;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.method !== 'POST' || !route.test(req.url)) return void res.writeHead(404).end();
    if (req.headers.authorization !== bearer) return void res.writeHead(401).end();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => void ingest(Buffer.concat(chunks), res, accept));
  });
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

async function ingest(body, res, accept) {
  let msg;
  try {
    msg = JSON.parse(body.toString('utf8'));
  } catch {
    return void res.writeHead(400).end();
  }
  if (typeof msg?.eventType !== 'string' || msg.payload === undefined) return void res.writeHead(422).end();
  const message = { id: `msg_${randomUUID()}`, eventType: msg.eventType, payload: JSON.stringify(msg.payload), timestamp: Math.floor(Date.now() / 1000) };
  try {
    await accept(message);
  } catch {
    return void res.writeHead(500).end();
  }
  res.writeHead(202, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: message.id, eventType: message.eventType, eventId: null, payload: msg.payload, timestamp: new Date(message.timestamp * 1000).toISOString() }));
}

/** A Standard Webhooks secret (`whsec_` + base64 of 24 random bytes). */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/**
 * Sends signed webhooks to `targetUrl` over at most `connections` connections:
 * `send(message)` POSTs the payload with `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.payload">`, gives up after
 * `timeoutMs`, and throws unless the answer is 2xx (so the queue retries it).
 */
export function webhookSender({ targetUrl, secret, connections, timeoutMs = 15_000 }) {
  const target = new URL(targetUrl);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  async function send({ id, timestamp, payload }) {
    const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`).digest('base64');
    const res = await pool.request({
      method: 'POST',
      path: target.pathname,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` },
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`${targetUrl} answered ${res.statusCode}`);
  }
  return { send, close: () => pool.close() };
}
