import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, type TestApi } from '../../../test/helpers/api.js';

const eventTypeKeys = ['archived', 'createdAt', 'deprecated', 'description', 'featureFlag', 'featureFlags', 'groupName', 'name', 'schemas', 'updatedAt'];
const schemas = {
  '1': {
    type: 'object',
    properties: { job_id: { type: 'integer' } },
    required: ['job_id'],
    examples: [{ job_id: 42 }],
  },
};

let api: TestApi;
let clock: FakeClock;
let portal: string;
beforeEach(async () => {
  clock = new FakeClock();
  api = await openTestApi({}, clock);
  const app = await api.call('POST', '/api/v1/app', 201, { name: 'tenant' });
  portal = (await api.call('POST', `/api/v1/auth/app-portal-access/${app.id}`, 200, {})).token;
});
afterEach(async () => {
  await api.close();
});

const allEventTypes = async () => (await api.call('GET', '/api/v1/event-type?include_archived=true&with_content=true&limit=250', 200)).data;

async function unchangedAfter(fn: () => Promise<unknown>): Promise<void> {
  const before = await allEventTypes();
  await fn();
  expect(await allEventTypes()).toEqual(before);
}

describe('POST /event-type', () => {
  it('creates an event type: 201 with every EventTypeOut field', async () => {
    const out = await api.call('POST', '/api/v1/event-type', 201, { name: 'job.run.completed', description: 'A run finished', schemas });
    expect(Object.keys(out).sort()).toEqual(eventTypeKeys);
    expect(out).toEqual({
      name: 'job.run.completed',
      description: 'A run finished',
      archived: false,
      deprecated: false,
      schemas,
      groupName: null,
      featureFlag: null,
      featureFlags: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('keeps groupName, deprecated and a feature flag (given either way)', async () => {
    const a = await api.call('POST', '/api/v1/event-type', 201, { name: 'a', description: '', groupName: 'jobs', deprecated: true, featureFlags: ['beta'] });
    expect(a).toMatchObject({ groupName: 'jobs', deprecated: true, featureFlag: 'beta', featureFlags: ['beta'] });
    const b = await api.call('POST', '/api/v1/event-type', 201, { name: 'b', description: '', featureFlag: 'beta' });
    expect(b).toMatchObject({ featureFlag: 'beta', featureFlags: ['beta'] });
  });

  it('answers 409 when the name exists, and changes nothing', async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'user.signup', description: 'first' });
    await unchangedAfter(async () => {
      expect(await api.call('POST', '/api/v1/event-type', 409, { name: 'user.signup', description: 'second' })).toMatchObject({ code: 'conflict' });
    });
  });

  it('brings an archived event type back with the new fields (201)', async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'user.signup', description: 'first' });
    await api.call('DELETE', '/api/v1/event-type/user.signup', 204);
    const out = await api.call('POST', '/api/v1/event-type', 201, { name: 'user.signup', description: 'again' });
    expect(out).toMatchObject({ archived: false, description: 'again' });
  });

  it.each([
    ['invalid JSON', undefined, '{"name":', 400],
    ['a number for the name', { name: 5, description: '' }, undefined, 422],
    ['a missing description', { name: 'x' }, undefined, 422],
    ['a name with a space', { name: 'a b', description: '' }, undefined, 422],
    ['schemas that are not objects', { name: 'x', description: '', schemas: { '1': 'nope' } }, undefined, 422],
    ['a schema that is not a JSON Schema', { name: 'x', description: '', schemas: { '1': { type: 'no-such-type' } } }, undefined, 422],
    ['a schema version key with a line break and a non-object value', { name: 'x', description: '', schemas: { 'a\nb': true } }, undefined, 422],
    ['an empty schema version key', { name: 'x', description: '', schemas: { '': {} } }, undefined, 422],
    ['a schema version key over 64 characters', { name: 'x', description: '', schemas: { ['v'.repeat(65)]: {} } }, undefined, 422],
    ['a draft that Herald does not read', { name: 'x', description: '', schemas: { '1': { $schema: 'http://json-schema.org/draft-04/schema#' } } }, undefined, 422],
    ['two feature flags (Herald keeps one)', { name: 'x', description: '', featureFlags: ['a', 'b'] }, undefined, 422],
    ['a string for archived', { name: 'x', description: '', archived: 'true' }, undefined, 422],
  ])('answers an error for %s and stores nothing', async (_what, body, rawBody, status) => {
    await unchangedAfter(async () => {
      const err = await api.call('POST', '/api/v1/event-type', status, body, rawBody === undefined ? {} : { rawBody });
      if (status === 400) expect(err).toEqual({ code: 'bad_request', detail: expect.any(String) });
      else expect(err.detail[0]).toEqual({ loc: expect.arrayContaining(['body']), msg: expect.any(String), type: expect.any(String) });
    });
  });

  it('accepts schemas declaring draft 2020-12 or draft-07, with an $id reused across versions', async () => {
    const v2020 = { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://example.com/user', type: 'object', $defs: { id: { type: 'string' } } };
    const v07 = { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'https://example.com/user', type: 'object', definitions: { id: { type: 'string' } } };
    await api.call('POST', '/api/v1/event-type', 201, { name: 'new.style', description: '', schemas: { '1': v2020 } });
    await api.call('PUT', '/api/v1/event-type/new.style', 200, { description: '', schemas: { '1': v2020 } });
    await api.call('POST', '/api/v1/event-type', 201, { name: 'old.style', description: '', schemas: { '1': v07 } });
  });

  it('names the field in a 422: a number where the name belongs', async () => {
    const err = await api.call('POST', '/api/v1/event-type', 422, { name: 5, description: '' });
    expect(err.detail).toEqual([{ loc: ['body', 'name'], msg: expect.any(String), type: expect.any(String) }]);
  });

  it('answers 401 without a token and 403 to a portal token', async () => {
    await unchangedAfter(async () => {
      await api.call('POST', '/api/v1/event-type', 401, { name: 'x', description: '' }, { token: null });
      await api.call('POST', '/api/v1/event-type', 403, { name: 'x', description: '' }, { token: portal });
    });
  });

  it('answers 413 for a body over the size limit', async () => {
    const small = await openTestApi({ HERALD_MAX_PAYLOAD_BYTES: '1024' });
    try {
      await small.call('POST', '/api/v1/event-type', 413, { name: 'x', description: 'd'.repeat(2000) });
      expect((await small.call('GET', '/api/v1/event-type?include_archived=true', 200)).data).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('replays the first answer for a repeated Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'et-1' };
    const first = await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: '' }, { headers });
    clock.advance(1000);
    expect(await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: '' }, { headers })).toEqual(first);
    expect(await allEventTypes()).toHaveLength(1);
  });
});

describe('GET /event-type', () => {
  beforeEach(async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'b.second', description: '', schemas });
    await api.call('POST', '/api/v1/event-type', 201, { name: 'a.first', description: '', schemas });
    await api.call('POST', '/api/v1/event-type', 201, { name: 'c.archived', description: '', archived: true });
  });

  it('lists live event types by name, without schemas unless with_content=true', async () => {
    const page = await api.call('GET', '/api/v1/event-type', 200);
    expect(page).toMatchObject({ iterator: null, prevIterator: null, done: true });
    expect(page.data.map((e: { name: string }) => e.name)).toEqual(['a.first', 'b.second']);
    expect(page.data[0].schemas).toBeNull();
    const full = await api.call('GET', '/api/v1/event-type?with_content=true', 200);
    expect(full.data[0].schemas).toEqual(schemas);
  });

  it('includes archived ones with include_archived=true', async () => {
    const page = await api.call('GET', '/api/v1/event-type?include_archived=true', 200);
    expect(page.data.map((e: { name: string }) => e.name)).toEqual(['a.first', 'b.second', 'c.archived']);
  });

  it('pages with limit and iterator', async () => {
    const p1 = await api.call('GET', '/api/v1/event-type?limit=1', 200);
    expect(p1).toMatchObject({ done: false, iterator: 'a.first' });
    const p2 = await api.call('GET', `/api/v1/event-type?limit=1&iterator=${p1.iterator}`, 200);
    expect(p2.data.map((e: { name: string }) => e.name)).toEqual(['b.second']);
  });

  it('lets a portal token read the catalog', async () => {
    expect((await api.call('GET', '/api/v1/event-type', 200, undefined, { token: portal })).data).toHaveLength(2);
  });

  it('answers 422 for a bad query and 401 without a token', async () => {
    expect((await api.call('GET', '/api/v1/event-type?include_archived=maybe', 422)).detail[0].loc).toEqual(['query', 'include_archived']);
    await api.call('GET', '/api/v1/event-type?limit=0', 422);
    await api.call('GET', '/api/v1/event-type', 401, undefined, { token: null });
  });
});

describe('GET /event-type/{name}', () => {
  it('answers the event type, archived ones too, to admin and portal tokens', async () => {
    const created = await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: 'd', schemas });
    expect(await api.call('GET', '/api/v1/event-type/x', 200)).toEqual(created);
    expect(await api.call('GET', '/api/v1/event-type/x', 200, undefined, { token: portal })).toEqual(created);
    await api.call('DELETE', '/api/v1/event-type/x', 204);
    expect(await api.call('GET', '/api/v1/event-type/x', 200)).toMatchObject({ archived: true });
  });

  it('answers 404 for an unknown name and 401 without a token', async () => {
    expect(await api.call('GET', '/api/v1/event-type/nope', 404)).toMatchObject({ code: 'not_found' });
    await api.call('GET', '/api/v1/event-type/nope', 401, undefined, { token: null });
  });
});

describe('PUT /event-type/{name}', () => {
  it('replaces the fields of an existing event type (200)', async () => {
    const created = await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: 'd', schemas, groupName: 'g' });
    clock.advance(1000);
    const out = await api.call('PUT', '/api/v1/event-type/x', 200, { description: 'new' });
    expect(out).toMatchObject({ name: 'x', description: 'new', schemas: null, groupName: null, createdAt: created.createdAt, updatedAt: '2026-01-01T00:00:01.000Z' });
    expect(await api.call('GET', '/api/v1/event-type/x', 200)).toEqual(out);
  });

  it('creates the event type (201) when the name is new', async () => {
    const out = await api.call('PUT', '/api/v1/event-type/fresh.name', 201, { description: 'd', schemas });
    expect(out).toMatchObject({ name: 'fresh.name', schemas });
    expect(await api.call('GET', '/api/v1/event-type/fresh.name', 200)).toEqual(out);
  });

  it('answers 400, 422, 401 and 403 without changing anything', async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: 'd' });
    await unchangedAfter(async () => {
      await api.call('PUT', '/api/v1/event-type/x', 400, undefined, { rawBody: '[' });
      expect((await api.call('PUT', '/api/v1/event-type/x', 422, { description: 3 })).detail[0].loc).toEqual(['body', 'description']);
      expect((await api.call('PUT', '/api/v1/event-type/x', 422, {})).detail[0].loc).toEqual(['body', 'description']);
      expect((await api.call('PUT', '/api/v1/event-type/bad%20name', 422, { description: '' })).detail[0].loc).toEqual(['path', 'event_type_name']);
      await api.call('PUT', '/api/v1/event-type/x', 401, { description: '' }, { token: null });
      await api.call('PUT', '/api/v1/event-type/x', 403, { description: '' }, { token: portal });
    });
  });
});

describe('PATCH /event-type/{name}', () => {
  it('changes only the fields given; null clears a nullable one', async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: 'd', schemas, groupName: 'g', featureFlag: 'f' });
    const out = await api.call('PATCH', '/api/v1/event-type/x', 200, { deprecated: true, groupName: null });
    expect(out).toMatchObject({ description: 'd', schemas, deprecated: true, groupName: null, featureFlag: 'f' });
    const out2 = await api.call('PATCH', '/api/v1/event-type/x', 200, { featureFlags: null, archived: true });
    expect(out2).toMatchObject({ featureFlag: null, featureFlags: null, archived: true });
  });

  it('answers 404, 422, 400, 401 and 403 without changing anything', async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: 'd' });
    await unchangedAfter(async () => {
      await api.call('PATCH', '/api/v1/event-type/nope', 404, { description: 'x' });
      expect((await api.call('PATCH', '/api/v1/event-type/x', 422, { deprecated: 'yes' })).detail[0].loc).toEqual(['body', 'deprecated']);
      expect((await api.call('PATCH', '/api/v1/event-type/x', 422, { schemas: { '1': { required: 'job_id' } } })).detail[0].loc).toEqual(['body', 'schemas', '1']);
      await api.call('PATCH', '/api/v1/event-type/x', 400, undefined, { rawBody: '{,}' });
      await api.call('PATCH', '/api/v1/event-type/x', 401, { description: 'x' }, { token: null });
      await api.call('PATCH', '/api/v1/event-type/x', 403, { description: 'x' }, { token: portal });
    });
  });
});

describe('DELETE /event-type/{name}', () => {
  it('archives by default (204, no body): hidden from the default list, still readable', async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: 'd' });
    expect(await api.call('DELETE', '/api/v1/event-type/x', 204)).toBeUndefined();
    expect((await api.call('GET', '/api/v1/event-type', 200)).data).toEqual([]);
    expect(await api.call('GET', '/api/v1/event-type/x', 200)).toMatchObject({ archived: true });
  });

  it('removes it for good with expunge=true', async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: 'd' });
    await api.call('DELETE', '/api/v1/event-type/x?expunge=true', 204);
    await api.call('GET', '/api/v1/event-type/x', 404);
    expect(await allEventTypes()).toEqual([]);
  });

  it('answers 404, 422, 401 and 403 without changing anything', async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'x', description: 'd' });
    await unchangedAfter(async () => {
      await api.call('DELETE', '/api/v1/event-type/nope', 404);
      await api.call('DELETE', '/api/v1/event-type/x?expunge=perhaps', 422);
      await api.call('DELETE', '/api/v1/event-type/x', 401, undefined, { token: null });
      await api.call('DELETE', '/api/v1/event-type/x', 403, undefined, { token: portal });
    });
  });
});
