import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHerald, svixFor, type HeraldProcess } from '../helpers/server.js';

/**
 * Client mistakes on every route: each gets a clear 4xx in the documented shape (`{code, detail}`,
 * or 422 `{detail: [{loc, msg, type}]}`), never a 5xx, and afterwards nothing has changed.
 */

interface Case {
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string;
  token?: string | null;
  headers?: Record<string, string>;
  status: number;
  /** For 422: a field name some `loc` must contain. */
  field?: string;
}

const zeroApp = 'app_000000000000000000000000000';
const zeroEp = 'ep_000000000000000000000000000';
const zeroMsg = 'msg_000000000000000000000000000';
const zeroAttempt = 'atmpt_000000000000000000000000000';
const nest = (levels: number): unknown => (levels === 0 ? 'leaf' : { n: nest(levels - 1) });

describe('bad input', () => {
  let herald: HeraldProcess;
  let snapshot: () => Promise<string>;
  let before: string;

  beforeAll(async () => {
    herald = await startHerald({ env: { HERALD_MAX_PAYLOAD_BYTES: '4096' } });
    const svix = svixFor(herald);
    await svix.application.create({ name: 'Bad input', uid: 'bad-app', metadata: { k: 'v' } });
    await svix.eventType.create({ name: 'bad.type', description: 'for bad input' });
    // Disabled: no deliveries, so the snapshot only moves if a bad request changed something.
    await svix.endpoint.create('bad-app', { url: 'https://example.com/bad', uid: 'bad-ep', disabled: true, headers: { 'X-Keep': '1' } });
    await svix.message.create('bad-app', { eventType: 'bad.type', eventId: 'bad-msg', payload: { ok: true } });
    snapshot = async () => {
      const paths = [
        '/app?limit=250',
        '/event-type?limit=250&include_archived=true',
        '/app/bad-app',
        '/app/bad-app/endpoint?limit=250',
        '/app/bad-app/endpoint/bad-ep',
        '/app/bad-app/endpoint/bad-ep/headers',
        '/app/bad-app/endpoint/bad-ep/secret',
        '/app/bad-app/msg?limit=250',
      ];
      const parts = [];
      for (const p of paths) {
        const res = await call(herald, 'GET', p);
        expect(res.status, `snapshot GET ${p}`).toBe(200);
        parts.push(res.text);
      }
      return parts.join('\n');
    };
    before = await snapshot();
  });

  afterAll(async () => {
    await herald?.stop();
  });

  async function check(c: Case): Promise<void> {
    const label = `${c.method} ${c.path} ${c.rawBody ?? JSON.stringify(c.body) ?? ''}`.slice(0, 200);
    const res = await call(herald, c.method, c.path, { body: c.body, rawBody: c.rawBody, token: c.token, headers: c.headers });
    expect(res.status, `${label} → ${res.status} ${res.text.slice(0, 300)}`).toBe(c.status);
    if (c.status === 422) {
      expect(Array.isArray(res.json?.detail), label).toBe(true);
      expect(res.json.detail.length, label).toBeGreaterThan(0);
      for (const item of res.json.detail) {
        expect(item, label).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
        expect(item.loc.every((l: unknown) => typeof l === 'string'), `${label}: loc items are strings`).toBe(true);
      }
      if (c.field) expect(res.json.detail.some((i: { loc: string[] }) => i.loc.includes(c.field!)), `${label}: loc names ${c.field} in ${res.text}`).toBe(true);
    } else {
      expect(res.json, `${label}: {code, detail}`).toEqual({ code: expect.any(String), detail: expect.any(String) });
    }
    expect(await snapshot(), `${label} changed state`).toBe(before);
  }

  async function checkAll(cases: Case[]): Promise<void> {
    for (const c of cases) await check(c);
  }

  it('answers 401 without a token, with a wrong one, or with a malformed header', async () => {
    await checkAll([
      { method: 'GET', path: '/app', token: null, status: 401 },
      { method: 'GET', path: '/app', token: 'wrong-token-wrong-token', status: 401 },
      { method: 'GET', path: '/app', token: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, status: 401 },
      { method: 'GET', path: '/app', token: null, headers: { authorization: 'Bearer' }, status: 401 },
      { method: 'POST', path: '/app', token: null, body: { name: 'x' }, status: 401 },
      { method: 'DELETE', path: '/app/bad-app', token: 'wrong-token-wrong-token', status: 401 },
      { method: 'POST', path: '/app/bad-app/msg', token: 'wrong-token-wrong-token', body: { eventType: 'bad.type', payload: {} }, status: 401 },
      { method: 'GET', path: '/app/bad-app/endpoint/bad-ep/secret', token: null, status: 401 },
      { method: 'POST', path: '/auth/app-portal-access/bad-app', token: null, body: {}, status: 401 },
    ]);
  });

  it('answers 400 for bodies that are not JSON', async () => {
    await checkAll([
      { method: 'POST', path: '/app', rawBody: '{"name": "x",', status: 400 },
      { method: 'PUT', path: '/app/bad-app', rawBody: '[', status: 400 },
      { method: 'PATCH', path: '/app/bad-app', rawBody: "{'name': 'single quotes'}", status: 400 },
      { method: 'POST', path: '/event-type', rawBody: '{"name"', status: 400 },
      { method: 'POST', path: '/app/bad-app/endpoint', rawBody: '{url: "https://example.com"}', status: 400 },
      { method: 'PATCH', path: '/app/bad-app/endpoint/bad-ep', rawBody: '{', status: 400 },
      { method: 'PUT', path: '/app/bad-app/endpoint/bad-ep/headers', rawBody: 'headers', status: 400 },
      { method: 'POST', path: '/app/bad-app/msg', rawBody: 'not json at all', status: 400 },
      { method: 'POST', path: '/app/bad-app/msg/batch', rawBody: '{"messages": [', status: 400 },
    ]);
  });

  it('answers 422 for wrong field types and values, coercing nothing, naming the field', async () => {
    await checkAll([
      { method: 'POST', path: '/app', body: {}, status: 422, field: 'name' },
      { method: 'POST', path: '/app', body: { name: 5 }, status: 422, field: 'name' },
      { method: 'POST', path: '/app', body: { name: '' }, status: 422, field: 'name' },
      { method: 'POST', path: '/app', body: { name: 'x', uid: 12 }, status: 422, field: 'uid' },
      { method: 'POST', path: '/app', body: { name: 'x', uid: 'has space' }, status: 422, field: 'uid' },
      { method: 'POST', path: '/app', body: { name: 'x', uid: 'u'.repeat(257) }, status: 422, field: 'uid' },
      { method: 'POST', path: '/app', body: { name: 'x', metadata: { k: 1 } }, status: 422, field: 'metadata' },
      { method: 'POST', path: '/app', body: { name: 'x', rateLimit: '10' }, status: 422, field: 'rateLimit' },
      { method: 'PUT', path: '/app/bad-app', body: { name: null }, status: 422, field: 'name' },
      { method: 'PATCH', path: '/app/bad-app', body: { name: 7 }, status: 422, field: 'name' },
      { method: 'PATCH', path: '/app/bad-app', body: { metadata: 'k=v' }, status: 422, field: 'metadata' },
      { method: 'GET', path: '/app?limit=abc', status: 422, field: 'limit' },
      { method: 'GET', path: '/app?order=sideways', status: 422, field: 'order' },

      { method: 'POST', path: '/event-type', body: { name: 'bad name', description: 'x' }, status: 422, field: 'name' },
      { method: 'POST', path: '/event-type', body: { name: 'ok.name', description: 5 }, status: 422, field: 'description' },
      { method: 'POST', path: '/event-type', body: { name: 'ok.name' }, status: 422, field: 'description' },
      { method: 'PATCH', path: '/event-type/bad.type', body: { deprecated: 'yes' }, status: 422, field: 'deprecated' },
      { method: 'PUT', path: '/event-type/bad.type', body: { description: 'x', schemas: 'not an object' }, status: 422, field: 'schemas' },

      { method: 'POST', path: '/app/bad-app/endpoint', body: {}, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 42 }, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'not a url' }, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'ftp://example.com/hook' }, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'javascript:alert(1)' }, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'file:///etc/passwd' }, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'http://10.1.2.3/hook' }, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'http://169.254.169.254/latest/meta-data' }, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'http://[::ffff:192.168.1.1]/' }, status: 422, field: 'url' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', rateLimit: '5' }, status: 422, field: 'rateLimit' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', rateLimit: 70_000 }, status: 422, field: 'rateLimit' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', filterTypes: 'bad.type' }, status: 422, field: 'filterTypes' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', filterTypes: [] }, status: 422, field: 'filterTypes' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', filterTypes: ['unknown.type'] }, status: 422, field: 'filterTypes' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', channels: [] }, status: 422, field: 'channels' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', secret: 'short' }, status: 422, field: 'secret' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', headers: { 'X-A': 1 } }, status: 422, field: 'headers' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', disabled: 'false' }, status: 422, field: 'disabled' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', uid: 'bad uid' }, status: 422, field: 'uid' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', maxConcurrency: '3' }, status: 422, field: 'maxConcurrency' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', retrySchedule: ['5'] }, status: 422, field: 'retrySchedule' },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/x', payloadFilter: { $where: 'true' } }, status: 422 },
      { method: 'PUT', path: '/app/bad-app/endpoint/bad-ep', body: { url: 5 }, status: 422, field: 'url' },
      { method: 'PATCH', path: '/app/bad-app/endpoint/bad-ep', body: { url: 'gopher://example.com/' }, status: 422, field: 'url' },
      { method: 'PATCH', path: '/app/bad-app/endpoint/bad-ep', body: { description: 12 }, status: 422, field: 'description' },
      { method: 'PUT', path: '/app/bad-app/endpoint/bad-ep/headers', body: { headers: { 'X-A': 5 } }, status: 422, field: 'headers' },
      { method: 'PUT', path: '/app/bad-app/endpoint/bad-ep/headers', body: { headers: 'x' }, status: 422, field: 'headers' },
      { method: 'PUT', path: '/app/bad-app/endpoint/bad-ep/headers', body: {}, status: 422, field: 'headers' },
      { method: 'PATCH', path: '/app/bad-app/endpoint/bad-ep/headers', body: { headers: { host: 'evil.example.com' } }, status: 422 },
      { method: 'POST', path: '/app/bad-app/endpoint/bad-ep/secret/rotate', body: { key: 'nope' }, status: 422, field: 'key' },
      { method: 'POST', path: '/app/bad-app/endpoint/bad-ep/recover', body: {}, status: 422, field: 'since' },
      { method: 'POST', path: '/app/bad-app/endpoint/bad-ep/recover', body: { since: 'yesterday' }, status: 422, field: 'since' },
      { method: 'POST', path: '/app/bad-app/endpoint/bad-ep/replay-missing', body: { since: 5 }, status: 422, field: 'since' },
      { method: 'POST', path: '/app/bad-app/endpoint/bad-ep/send-example', body: { eventType: 7 }, status: 422, field: 'eventType' },

      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 5, payload: {} }, status: 422, field: 'eventType' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad type!', payload: {} }, status: 422, field: 'eventType' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type' }, status: 422, field: 'payload' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: 'text' }, status: 422, field: 'payload' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: [1, 2] }, status: 422, field: 'payload' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: {}, eventId: 5 }, status: 422, field: 'eventId' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: {}, channels: [] }, status: 422, field: 'channels' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: {}, channels: 'c' }, status: 422, field: 'channels' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: {}, tags: 'x' }, status: 422, field: 'tags' },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: nest(70) }, status: 422 },
      { method: 'POST', path: '/app/bad-app/msg/batch', body: { messages: [] }, status: 422, field: 'messages' },
      { method: 'POST', path: '/app/bad-app/msg/batch', body: { messages: [{ eventType: 'bad.type', payload: {} }, { eventType: 3, payload: {} }] }, status: 422 },
      { method: 'GET', path: '/app/bad-app/msg?channel=bad%20channel!', status: 422, field: 'channel' },
    ]);
  });

  it('answers 413 for oversize bodies', async () => {
    await checkAll([
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: { blob: 'x'.repeat(5_000) } }, status: 413 },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', payload: { blob: 'x'.repeat(200_000) } }, status: 413 },
      { method: 'POST', path: '/app/bad-app/msg/batch', body: { messages: [{ eventType: 'bad.type', payload: { blob: 'x'.repeat(5_000) } }] }, status: 413 },
      { method: 'POST', path: '/app', body: { name: 'x'.repeat(100_000) }, status: 413 },
    ]);
  });

  it('answers 404 for unknown ids and uids on every route', async () => {
    await checkAll([
      { method: 'GET', path: `/app/${zeroApp}`, status: 404 },
      { method: 'GET', path: '/app/no-such-app', status: 404 },
      // PUT creates when the path names an unknown uid (Svix's upsert), so only an unknown id is 404.
      { method: 'PUT', path: `/app/${zeroApp}`, body: { name: 'x' }, status: 404 },
      { method: 'PATCH', path: '/app/no-such-app', body: { name: 'x' }, status: 404 },
      { method: 'DELETE', path: '/app/no-such-app', status: 404 },
      { method: 'GET', path: '/event-type/no.such.type', status: 404 },
      { method: 'PATCH', path: '/event-type/no.such.type', body: { description: 'x' }, status: 404 },
      { method: 'DELETE', path: '/event-type/no.such.type', status: 404 },
      { method: 'GET', path: '/app/no-such-app/endpoint', status: 404 },
      { method: 'POST', path: '/app/no-such-app/endpoint', body: { url: 'https://example.com/x' }, status: 404 },
      { method: 'GET', path: `/app/bad-app/endpoint/${zeroEp}`, status: 404 },
      { method: 'GET', path: '/app/bad-app/endpoint/no-such-ep', status: 404 },
      { method: 'PUT', path: `/app/bad-app/endpoint/${zeroEp}`, body: { url: 'https://example.com/x' }, status: 404 },
      { method: 'PATCH', path: '/app/bad-app/endpoint/no-such-ep', body: { description: 'x' }, status: 404 },
      { method: 'DELETE', path: '/app/bad-app/endpoint/no-such-ep', status: 404 },
      { method: 'GET', path: '/app/bad-app/endpoint/no-such-ep/secret', status: 404 },
      { method: 'POST', path: '/app/bad-app/endpoint/no-such-ep/secret/rotate', body: {}, status: 404 },
      { method: 'GET', path: '/app/bad-app/endpoint/no-such-ep/headers', status: 404 },
      { method: 'PUT', path: '/app/bad-app/endpoint/no-such-ep/headers', body: { headers: {} }, status: 404 },
      { method: 'PATCH', path: '/app/bad-app/endpoint/no-such-ep/headers', body: { headers: {} }, status: 404 },
      { method: 'GET', path: '/app/bad-app/endpoint/no-such-ep/stats', status: 404 },
      { method: 'POST', path: '/app/bad-app/endpoint/no-such-ep/recover', body: { since: '2020-01-01T00:00:00Z' }, status: 404 },
      { method: 'POST', path: '/app/bad-app/endpoint/no-such-ep/replay-missing', body: { since: '2020-01-01T00:00:00Z' }, status: 404 },
      { method: 'POST', path: '/app/bad-app/endpoint/no-such-ep/send-example', body: { eventType: 'bad.type' }, status: 404 },
      { method: 'POST', path: '/app/no-such-app/msg', body: { eventType: 'bad.type', payload: {} }, status: 404 },
      { method: 'POST', path: '/app/no-such-app/msg/batch', body: { messages: [{ eventType: 'bad.type', payload: {} }] }, status: 404 },
      { method: 'GET', path: '/app/no-such-app/msg', status: 404 },
      { method: 'GET', path: `/app/bad-app/msg/${zeroMsg}`, status: 404 },
      { method: 'GET', path: '/app/bad-app/msg/no-such-event-id', status: 404 },
      { method: 'DELETE', path: `/app/bad-app/msg/${zeroMsg}/content`, status: 404 },
      { method: 'GET', path: `/app/bad-app/attempt/endpoint/${zeroEp}`, status: 404 },
      { method: 'GET', path: `/app/bad-app/attempt/msg/${zeroMsg}`, status: 404 },
      { method: 'GET', path: `/app/bad-app/msg/bad-msg/attempt/${zeroAttempt}`, status: 404 },
      { method: 'GET', path: `/app/bad-app/msg/${zeroMsg}/attempt/${zeroAttempt}`, status: 404 },
      { method: 'POST', path: `/app/bad-app/msg/${zeroMsg}/endpoint/bad-ep/resend`, status: 404 },
      { method: 'POST', path: `/app/bad-app/msg/bad-msg/endpoint/${zeroEp}/resend`, status: 404 },
      { method: 'GET', path: `/app/bad-app/endpoint/${zeroEp}/msg`, status: 404 },
      { method: 'GET', path: `/app/bad-app/msg/${zeroMsg}/endpoint`, status: 404 },
      { method: 'POST', path: '/auth/app-portal-access/no-such-app', body: {}, status: 404 },
      { method: 'GET', path: '/no-such-route', status: 404 },
    ]);
  });

  it('answers 409 for duplicate uids, names and eventIds', async () => {
    await checkAll([
      { method: 'POST', path: '/app', body: { name: 'Again', uid: 'bad-app' }, status: 409 },
      { method: 'POST', path: '/event-type', body: { name: 'bad.type', description: 'again' }, status: 409 },
      { method: 'POST', path: '/app/bad-app/endpoint', body: { url: 'https://example.com/2', uid: 'bad-ep' }, status: 409 },
      { method: 'POST', path: '/app/bad-app/msg', body: { eventType: 'bad.type', eventId: 'bad-msg', payload: {} }, status: 409 },
      { method: 'POST', path: '/app/bad-app/msg/batch', body: { messages: [{ eventType: 'bad.type', eventId: 'bad-msg', payload: {} }] }, status: 409 },
    ]);
  });
});
