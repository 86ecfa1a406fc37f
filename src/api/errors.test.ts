import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, testAdminToken, type TestApi } from '../../test/helpers/api.js';

let api: TestApi;

beforeEach(async () => {
  api = await openTestApi({ HERALD_MAX_PAYLOAD_BYTES: '1024' });
});
afterEach(async () => {
  await api.close();
});

/** Herald's error body: exactly `{code, detail}`. */
function expectErrorBody(body: string, code: string): void {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  expect(Object.keys(parsed).sort()).toEqual(['code', 'detail']);
  expect(parsed).toEqual({ code, detail: expect.any(String) });
}

/** Opens a socket to the listening app and collects everything the server writes until it closes or `until` holds. */
async function openSocket(): Promise<{ socket: Socket; received: () => string; waitFor: (until: (text: string) => boolean) => Promise<string> }> {
  const { port } = api.app.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    wake();
  });
  socket.on('close', wake);
  socket.on('error', wake);
  const waitFor = async (until: (t: string) => boolean) => {
    const deadline = Date.now() + 5000;
    while (!until(text)) {
      if (socket.destroyed || Date.now() > deadline) break;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    expect(until(text), `the server wrote: ${text}`).toBe(true);
    return text;
  };
  return { socket, received: () => text, waitFor };
}

/** The responses in a raw HTTP/1.1 stream, as status and body (bodies carry Content-Length). */
function responsesOf(stream: string): { status: number; headers: string; body: string }[] {
  const out: { status: number; headers: string; body: string }[] = [];
  let rest = stream;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const headers = rest.slice(0, end);
    const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? '0');
    out.push({ status: Number(headers.slice(9, 12)), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

describe('errors raised by Fastify itself', () => {
  it('answers a URL that cannot be decoded 400 {code, detail}', async () => {
    const res = await api.raw({ method: 'GET', url: '/api/v1/app/%zz' });
    expect(res.statusCode).toBe(400);
    expectErrorBody(res.body, 'bad_request');
  });

  it('routes path parameters up to 256 characters and beyond to the schema (422); absurd ones 414', async () => {
    const long = 'a'.repeat(256);
    expectErrorBody((await api.raw({ method: 'GET', url: `/api/v1/app/${long}`, headers: { authorization: `Bearer ${testAdminToken}` } })).body, 'not_found');
    const over = await api.raw({ method: 'GET', url: `/api/v1/app/${long}a`, headers: { authorization: `Bearer ${testAdminToken}` } });
    expect([over.statusCode, over.json().detail[0].loc]).toEqual([422, ['path', 'app_id']]);
    const absurd = await api.raw({ method: 'GET', url: `/api/v1/app/${'a'.repeat(1100)}` });
    expect(absurd.statusCode).toBe(414);
    expectErrorBody(absurd.body, 'uri_too_long');
  });

  it('answers 415 for a body that is not JSON and 413 for a body over the limit, in {code, detail}', async () => {
    const headers = { authorization: `Bearer ${testAdminToken}` };
    const text = await api.raw({ method: 'POST', url: '/api/v1/app', headers: { ...headers, 'content-type': 'text/plain' }, payload: 'name' });
    expect(text.statusCode).toBe(415);
    expectErrorBody(text.body, 'unsupported_media_type');
    const big = await api.raw({ method: 'POST', url: '/api/v1/app', headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2000) }) });
    expect(big.statusCode).toBe(413);
    expectErrorBody(big.body, 'payload_too_large');
  });

  it('answers 404 {code, detail} for an unknown route', async () => {
    const res = await api.raw({ method: 'GET', url: '/nowhere' });
    expect(res.statusCode).toBe(404);
    expectErrorBody(res.body, 'not_found');
  });
});

describe('errors on the socket', () => {
  beforeEach(async () => {
    await api.app.listen({ port: 0, host: '127.0.0.1' });
  });

  it('answers a request that is not HTTP 400, and oversize headers 431, in {code, detail}', async () => {
    const garbage = await openSocket();
    garbage.socket.write('NOT HTTP AT ALL\r\n\r\n');
    const [bad] = responsesOf(await garbage.waitFor((t) => t.includes('}')));
    expect(bad!.status).toBe(400);
    expectErrorBody(bad!.body, 'bad_request');

    const huge = await openSocket();
    huge.socket.write(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    const [overflow] = responsesOf(await huge.waitFor((t) => t.includes('}')));
    expect(overflow!.status).toBe(431);
    expectErrorBody(overflow!.body, 'headers_too_large');
  });

  it('answers a request arriving while the app closes 503 {code, detail}, before authentication', async () => {
    const { socket, waitFor } = await openSocket();
    const body = JSON.stringify({ name: 'in flight' });
    // The first request's body is held back, so the connection is busy when close() starts.
    const headersSeen = new Promise<void>((resolve) => api.app.server.once('request', () => resolve()));
    socket.write(`POST /api/v1/app HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${testAdminToken}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    await headersSeen;
    const closed = api.app.close();
    while (api.app.server.listening) await new Promise((resolve) => setImmediate(resolve));
    socket.write(`${body}GET /api/v1/app HTTP/1.1\r\nHost: x\r\n\r\n`);
    const [first, second] = responsesOf(await waitFor((t) => responsesOf(t).length === 2));
    expect(first!.status).toBe(201);
    expect(second!.status).toBe(503);
    expectErrorBody(second!.body, 'service_unavailable');
    expect(second!.headers.toLowerCase()).toContain('connection: close');
    socket.destroy();
    await closed;
  });
});
