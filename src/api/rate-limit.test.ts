import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, testAdminToken, type TestApi } from '../../test/helpers/api.js';
import { TokenBuckets } from './rate-limit.js';

describe('TokenBuckets', () => {
  it('lets a second of requests through at once, then one per 1/rate seconds', () => {
    const buckets = new TokenBuckets(4);
    for (let i = 0; i < 4; i++) expect(buckets.take('a', 0)).toBe(0);
    expect(buckets.take('a', 0)).toBe(250);
    expect(buckets.take('a', 100)).toBe(150);
    expect(buckets.take('a', 250)).toBe(0);
    expect(buckets.take('b', 250)).toBe(0);
  });

  it('forgets full buckets once it holds too many', () => {
    const buckets = new TokenBuckets(1);
    for (let i = 0; i < 10_000; i++) buckets.take(`t${i}`, 0);
    expect(buckets.size).toBe(10_000);
    buckets.take('late', 5_000);
    expect(buckets.size).toBe(1);
  });
});

describe('the API rate limit', () => {
  let api: TestApi;
  afterEach(async () => api?.close());

  const get = (url: string, token: string | null = testAdminToken) =>
    api.raw({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });

  it('answers 429 {code, detail} with Retry-After past the per-token limit, and lets requests through again later', async () => {
    const clock = new FakeClock();
    api = await openTestApi({ HERALD_API_RATE_LIMIT: '3' }, clock);
    for (let i = 0; i < 3; i++) expect((await get('/api/v1/app')).statusCode).toBe(200);
    const limited = await get('/api/v1/app');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json()).toEqual({ code: 'rate_limited', detail: expect.stringContaining('3 requests per second') });
    clock.advance(400);
    expect((await get('/api/v1/app')).statusCode).toBe(200);
  });

  it('counts each token apart, and neither health checks nor refused tokens', async () => {
    const clock = new FakeClock();
    api = await openTestApi({ HERALD_API_RATE_LIMIT: '1' }, clock);
    const appId = (await api.call('POST', '/api/v1/app', 201, { name: 'limited' })).id;
    clock.advance(1_000);
    const portal = (await api.call('POST', `/api/v1/auth/app-portal-access/${appId}`, 200, {})).token;
    expect((await get('/api/v1/app')).statusCode).toBe(429);
    expect((await get(`/api/v1/app/${appId}`, portal)).statusCode).toBe(200);
    expect((await get(`/api/v1/app/${appId}`, portal)).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) expect((await get('/api/v1/health', null)).statusCode).toBe(204);
    for (let i = 0; i < 3; i++) expect((await get('/api/v1/app', 'wrong_token_0123456789')).statusCode).toBe(401);
  });

  it('is off at 0', async () => {
    api = await openTestApi({ HERALD_API_RATE_LIMIT: '0' });
    for (let i = 0; i < 20; i++) expect((await get('/api/v1/app')).statusCode).toBe(200);
  });
});
