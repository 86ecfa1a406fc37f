import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { startListeningApi, type ListeningApi, type RouteInfo } from '../helpers/listening-api.js';
import { postgresAvailable } from '../helpers/open-test-store.js';

/**
 * Hostile clients, property-based (fast-check): every route under `/api/` that the app registers
 * gets random path parameters (valid ids among them), query strings, JSON bodies (random values,
 * plausible field names with wrong values, deep nesting, unicode and NUL), raw non-JSON bodies and
 * odd content types. Whatever comes in, the answer is never a 5xx and never a dropped connection;
 * an error is a 4xx in the documented shape, and it changed nothing: every row of every table
 * hashes the same before and after (a 2xx write moves the baseline). Run counts are bounded (a
 * few hundred requests per route group); a failure prints the seed and path to replay it.
 */
const api = await startListeningApi('sqlite', { HERALD_MAX_PAYLOAD_BYTES: '65536' });
afterAll(() => api.close());
const postgresReachable = await postgresAvailable();

/**
 * Server-sent event streams stay open by design: a request to one would hang the property. A
 * WebSocket route gets plain HTTP requests here, which it must refuse like any other bad input.
 */
const fuzzed = api.routes.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD' && !r.url.endsWith('/stream'));

function groupOf(route: RouteInfo): string {
  return route.url.split('/').slice(3).filter((s) => s !== '' && !s.startsWith(':')).slice(0, 2).join('/') || 'root';
}
const groups = new Map<string, RouteInfo[]>();
for (const route of fuzzed) groups.set(groupOf(route), [...(groups.get(groupOf(route)) ?? []), route]);

async function send(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}, target: ListeningApi = api) {
  const headers = { authorization: `Bearer ${target.token}`, ...init.headers };
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, { method, headers, body: init.body, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new Error(`${method} ${path}: the connection dropped or hung (${(err as Error).message})`);
  }
  const text = await res.text();
  return { status: res.status, text, json: text === '' ? undefined : (JSON.parse(text) as any) };
}

/** Fresh objects to aim valid ids at, per group (a fuzzed DELETE may take the previous ones). */
let seeds = 0;
async function seed(): Promise<Record<string, string[]>> {
  const tag = String(++seeds);
  const app = await send('POST', '/api/v1/app', { body: JSON.stringify({ name: 'fuzz', uid: `fuzz-${tag}` }), headers: { 'content-type': 'application/json' } });
  await send('POST', '/api/v1/event-type', { body: JSON.stringify({ name: `fuzz.${tag}`, description: 'fuzz' }), headers: { 'content-type': 'application/json' } });
  const ep = await send('POST', `/api/v1/app/${app.json.id}/endpoint`, { body: JSON.stringify({ url: 'https://example.com/fuzz', uid: `ep-${tag}`, disabled: true }), headers: { 'content-type': 'application/json' } });
  const msg = await send('POST', `/api/v1/app/${app.json.id}/msg`, { body: JSON.stringify({ eventType: `fuzz.${tag}`, eventId: `msg-${tag}`, payload: { n: 1 } }), headers: { 'content-type': 'application/json' } });
  expect([app.status, ep.status, msg.status]).toEqual([201, 201, 202]);
  return {
    app_id: [app.json.id, `fuzz-${tag}`],
    endpoint_id: [ep.json.id, `ep-${tag}`],
    msg_id: [msg.json.id, `msg-${tag}`],
    event_type_name: [`fuzz.${tag}`],
    profile_name: ['standard', 'paradym', 'dbt-cloud'],
    surface: ['console', 'portal'],
  };
}

const oddStrings = fc.constantFrom('', ' ', '..', '%', '\u0000', 'a\u0000b', '\u202e', '😀', 'é', 'app_' + 'z'.repeat(27), 'x'.repeat(300), '-1', '1e999', 'null', 'true', '[]', '{}', '__proto__', 'constructor');
const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), oddStrings);
const scalar = fc.oneof(anyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(-0), fc.constant(2 ** 64));
const fieldNames = [
  'name', 'uid', 'description', 'url', 'eventType', 'eventId', 'payload', 'channels', 'tags', 'filterTypes', 'metadata', 'rateLimit', 'secret', 'key',
  'headers', 'disabled', 'version', 'schemas', 'archived', 'deprecated', 'featureFlags', 'payloadRetentionPeriod', 'payloadRetentionHours', 'since', 'until',
  'profile', 'profileOptions', 'payloadFilter', 'timeoutMs', 'retrySchedule', 'maxConcurrency', 'application', 'expiry', 'readOnly', 'capabilities',
  'messages', 'deliverAt', 'token', 'throttleRate', 'sessionId', 'idempotencyKey',
];
const jsonish = fc.oneof({ maxDepth: 3 }, scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(anyString, scalar, { maxKeys: 4 }), fc.jsonValue({ maxDepth: 3 }));
const nested = fc.tuple(fc.integer({ min: 60, max: 3_000 }), fc.boolean()).map(([depth, objects]) =>
  objects ? `${'{"payload":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`,
);
const jsonBody = fc.oneof(
  fc.dictionary(fc.constantFrom(...fieldNames), jsonish, { maxKeys: 6 }).map((v) => JSON.stringify(v)),
  jsonish.map((v) => JSON.stringify(v)),
  nested,
);
const rawBody = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', '{', '{"name":', 'null', '"\u0000"', '{"name":"a\u0000b"}', '\u0000\u0000', '{"name":"x"}garbage', '\ufeff{}'),
);
const contentType = fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', undefined);
const queryKeys = ['limit', 'iterator', 'order', 'before', 'after', 'status', 'event_types', 'channel', 'with_content', 'get_if_exists', 'include_archived', 'expunge', 'tag', 'status_code_class', 'endpoint_id', 'with_msg'];

/** Lone surrogates replaced (String.prototype.toWellFormed is Node 20+, not in the ES2022 lib). */
function wellFormed(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

function encode(value: string): string {
  return encodeURIComponent(wellFormed(value));
}

/** A path parameter: mostly a live id (looked up when the request is built, so reseeding takes effect), else anything. */
type Param = { pool: string; index: number } | string;

function requestFor(route: RouteInfo, pools: Record<string, string[]>) {
  const names = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
  const param = (name: string): fc.Arbitrary<Param> =>
    name in pools ? fc.oneof({ weight: 5, arbitrary: fc.nat(9).map((index) => ({ pool: name, index })) }, { weight: 1, arbitrary: anyString }) : anyString;
  const resolve = (p: Param | undefined): string => (p === undefined ? '' : typeof p === 'string' ? p : pools[p.pool]![p.index % pools[p.pool]!.length]!);
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  return fc.record({
    params: fc.tuple(...names.map(param)),
    query: fc.dictionary(fc.oneof(fc.constantFrom(...queryKeys), anyString), fc.oneof(anyString, fc.integer().map(String)), { maxKeys: 3 }),
    body: hasBody ? fc.option(fc.oneof({ weight: 4, arbitrary: jsonBody }, { weight: 1, arbitrary: rawBody }), { freq: 8 }) : fc.constant(null),
    contentType,
    idempotencyKey: fc.option(anyString, { freq: 4 }),
  }).map((r) => {
    let i = 0;
    const path = route.url.replace(/:([A-Za-z_]+)/g, () => encode(resolve(r.params[i++])));
    const query = Object.entries(r.query).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const headers: Record<string, string> = {};
    if (r.body !== null && r.contentType !== undefined) headers['content-type'] = r.contentType;
    if (r.idempotencyKey !== null) headers['idempotency-key'] = wellFormed(r.idempotencyKey).replace(/[^\x20-\x7e]/g, '?');
    return { method: route.method, path: query === '' ? path : `${path}?${query}`, body: r.body ?? undefined, headers };
  });
}

function expectErrorShape(status: number, json: any, what: string): void {
  expect(json, `${what}: the ${status} answer has a JSON body`).toBeTypeOf('object');
  if (status === 422) expect(Array.isArray(json.detail), `${what}: 422 detail is a list`).toBe(true);
  else expect(json, what).toMatchObject({ code: expect.any(String), detail: expect.any(String) });
}

describe('hostile clients: every API route, fuzzed', () => {
  it('found the routes to fuzz', () => {
    expect(fuzzed.length).toBeGreaterThan(30);
    expect([...groups.keys()]).toEqual(expect.arrayContaining(['app', 'app/endpoint', 'app/msg', 'app/attempt', 'event-type']));
  });

  for (const [group, routes] of groups) {
    it(`answers 4xx, never 5xx or a dropped connection, and changes nothing on error: ${group} (${routes.length} routes)`, async () => {
      const pools = await seed();
      let baseline = api.snapshot();
      const request = fc.oneof(...routes.map((route) => requestFor(route, pools)));
      await fc.assert(
        fc.asyncProperty(request, async (req) => {
          const what = `${req.method} ${req.path} ${JSON.stringify(req.headers)} body=${JSON.stringify(req.body?.slice(0, 300))}`;
          const res = await send(req.method, req.path, { body: req.body, headers: req.headers });
          expect(res.status, `${what} → ${res.text.slice(0, 500)}`).toBeLessThan(500);
          if (res.status >= 400) {
            expectErrorShape(res.status, res.json, what);
            expect(api.snapshot(), `${what} → ${res.status} changed the store`).toBe(baseline);
          }
          // A successful DELETE may have taken the seeded objects: seed new ones to aim at.
          if (res.status < 300 && req.method === 'DELETE') Object.assign(pools, await seed());
          baseline = api.snapshot();
        }),
        { numRuns: Math.min(150, 12 * routes.length) },
      );
    });
  }
});

describe('hostile clients: nesting, unicode, NUL bytes and oversize bodies', () => {
  const json = { 'content-type': 'application/json' };

  it('answers 422 to JSON nested far past the limit, at any depth the body limit allows', async () => {
    const pools = await seed();
    for (const depth of [65, 1_000, 20_000]) {
      const payload = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const res = await send('POST', `/api/v1/app/${pools.app_id![0]}/msg`, { body: `{"eventType":"fuzz.1","payload":${payload}}`, headers: json });
      expect(res.status, `depth ${depth}`).toBe(422);
      expect(res.json.detail[0].type).toBe('value_error.jsondepth');
    }
    const atLimit = `${'{"a":'.repeat(64)}1${'}'.repeat(64)}`;
    const accepted = await send('POST', `/api/v1/app/${pools.app_id![0]}/msg`, { body: `{"eventType":"fuzz.1","payload":${atLimit}}`, headers: json });
    expect(accepted.status, accepted.text).toBe(202);
  });

  it('answers 413 to an oversize body on every route that takes one, with or without a Content-Length', async () => {
    const pools = await seed();
    // Over every route's limit: 64 KiB here, message routes add 64 KiB of envelope, batches take 16 MiB.
    const oversize = (bytes: number) => JSON.stringify({ name: 'x'.repeat(bytes) });
    const [big, huge] = [oversize(200 * 1024), oversize(17 * 2 ** 20)];
    const before = api.snapshot();
    for (const route of fuzzed.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))) {
      const path = route.url.replace(/:([A-Za-z_]+)/g, (_m, name: string) => pools[name]?.[0] ?? 'x');
      const res = await send(route.method, path, { body: route.url.endsWith('/batch') ? huge : big, headers: json });
      expect(res.status, `${route.method} ${route.url}`).toBe(413);
      expect(res.json).toMatchObject({ code: 'payload_too_large' });
    }
    const chunked = await fetch(`${api.url}/api/v1/app`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, ...json },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(api.snapshot()).toBe(before);
  });

  it('stores unicode and NUL bytes exactly as sent, or refuses them; never mangles them', async () => {
    await expectUnicodeKept(api);
  });

  it.runIf(postgresReachable)('does the same on PostgreSQL, whose text cannot hold NUL', async () => {
    const pgApi = await startListeningApi('postgres');
    try {
      await expectUnicodeKept(pgApi);
    } finally {
      await pgApi.close();
    }
  });
});

/** Lone surrogates are refused; everything else unusual either round-trips exactly or is a 4xx. */
async function expectUnicodeKept(target: ListeningApi): Promise<void> {
  const json = { 'content-type': 'application/json' };
  for (const name of ['lone \ud800 surrogate', 'lone \udfff', '\udc00\ud800']) {
    const res = await send('POST', '/api/v1/app', { body: JSON.stringify({ name }), headers: json }, target);
    expect(res.status, JSON.stringify(name)).toBe(400);
    expect(res.json.detail).toContain('lone UTF-16 surrogate');
  }
  const pair = await send('POST', '/api/v1/app', { body: '{"name": "\\ud83d\\ude00 escaped pair"}', headers: json }, target);
  expect(pair.status).toBe(201);
  expect((await send('GET', `/api/v1/app/${pair.json.id}`, {}, target)).json.name).toBe('😀 escaped pair');
  const names = ['a\u0000b', '\u0000', 'emoji 😀 👩‍👩‍👧', 'rtl \u202e txt', 'e\u0301', '\ufeffbom', '\u2028\u2029'];
  for (const name of names) {
    const res = await send('POST', '/api/v1/app', { body: JSON.stringify({ name, metadata: { k: name } }), headers: json }, target);
    expect(res.status, JSON.stringify(name)).toBeLessThan(500);
    if (res.status !== 201) continue;
    const read = await send('GET', `/api/v1/app/${res.json.id}`, {}, target);
    expect(read.json.name, JSON.stringify(name)).toBe(name);
    expect(read.json.metadata.k, JSON.stringify(name)).toBe(name);
  }
}
