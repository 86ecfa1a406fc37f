import { describe, expect, it } from 'vitest';
import { useTestApi } from '../../../test/helpers/api.js';
import { secretKeyBytes } from '../../domain/secrets.js';
import { binRequestsMaxDefault } from '../../inspector/bins.js';
import { hmacSha256Hex, standardSignature } from '../../profiles/sign.js';

const t = useTestApi();

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const createBin = (body: unknown, status = 201) => t.api.call('POST', '/api/v1/inspector/bin', status, body);
const post = (binId: string, payload: string, headers: Record<string, string> = {}) =>
  t.api.raw({ method: 'POST', url: `/in/${binId}`, headers: { 'content-type': 'application/json', ...headers }, payload });
const requests = async (binId: string) => (await t.api.call('GET', `/api/v1/inspector/bin/${binId}/request`, 200)).data;

describe('request inspector', () => {
  it('captures any request and checks a Standard Webhooks signature', async () => {
    const bin = await createBin({ name: 'mine', secret });
    expect(bin.url).toBe(`http://localhost:80/in/${bin.id}`);
    const body = '{"hello":"world"}';
    const ts = String(Math.floor(t.clock.now().getTime() / 1000));
    const good = standardSignature(secretKeyBytes(secret), 'msg_1', ts, body);
    expect((await post(bin.id, body, { 'webhook-id': 'msg_1', 'webhook-timestamp': ts, 'webhook-signature': good })).statusCode).toBe(200);
    await post(bin.id, body, { 'webhook-id': 'msg_1', 'webhook-timestamp': ts, 'webhook-signature': 'v1,AAAA' });
    await post(bin.id, 'not json at all', { 'content-type': 'application/x-www-form-urlencoded', cookie: 'herald_console=secret' });
    const [unsigned, bad, ok] = await requests(bin.id);
    expect(ok.verification.status).toBe('verified');
    expect(ok.body).toBe(body);
    expect(bad.verification.status).toBe('failed');
    expect(unsigned.verification.status).toBe('unsigned');
    expect(unsigned.body).toBe('not json at all');
    expect(unsigned.headers.cookie).toBeUndefined();
  });

  it('checks the hex HMAC of the dbt-cloud profile in Authorization', async () => {
    const bin = await createBin({ profile: 'dbt-cloud', secret });
    const body = '{"account_id":1}';
    await post(bin.id, body, { authorization: hmacSha256Hex(Buffer.from(secret, 'utf8'), body) });
    await post(bin.id, body, { authorization: hmacSha256Hex(Buffer.from('other', 'utf8'), body) });
    const [bad, ok] = await requests(bin.id);
    expect([ok.verification.status, bad.verification.status]).toEqual(['verified', 'failed']);
  });

  it('keeps the newest requests only, cuts stored bodies, and forgets bins when they expire', async () => {
    const bin = await createBin({ ttlSeconds: 60 });
    for (let i = 0; i <= binRequestsMaxDefault; i++) await post(bin.id, JSON.stringify({ i }));
    const kept = await requests(bin.id);
    expect(kept).toHaveLength(binRequestsMaxDefault);
    expect(kept[0].body).toBe(`{"i":${binRequestsMaxDefault}}`);
    await post(bin.id, JSON.stringify({ big: 'x'.repeat(100_000) }));
    const [big] = await requests(bin.id);
    expect(big).toMatchObject({ truncated: true, bodyBytes: 100_010 });
    expect(big.body.length).toBe(65_536);
    t.clock.advance(60_000);
    expect((await post(bin.id, '{}')).statusCode).toBe(404);
    await t.api.call('GET', `/api/v1/inspector/bin/${bin.id}`, 404);
  });

  it('refuses unknown profiles with 422 and portal or missing tokens on the bin API', async () => {
    await createBin({ profile: 'nope' }, 422);
    const app = (await t.api.call('POST', '/api/v1/app', 201, { name: 'a' })).id;
    const { token } = await t.api.call('POST', `/api/v1/auth/app-portal-access/${app}`, 200, {});
    await t.api.call('GET', '/api/v1/inspector/bin', 403, undefined, { token });
    await t.api.call('GET', '/api/v1/inspector/bin', 401, undefined, { token: null });
    expect((await post('bin_unknown', '{}')).statusCode).toBe(404);
  });
});
