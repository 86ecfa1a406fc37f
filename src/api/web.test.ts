import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../test/helpers/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await openTestApi();
});
afterAll(async () => {
  await api.close();
});

describe('pages', () => {
  it('serves the console at / and the portal at /portal, without a token, under a strict CSP', async () => {
    for (const url of ['/', '/portal']) {
      const res = await api.raw({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it('leaves API errors as they were: an unknown API route without a token is still 401', async () => {
    const res = await api.raw({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(401);
  });
});
