import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { app, endpoint, message } from '../../test/helpers/factory.js';
import { loadConfig } from '../config.js';
import { effectiveSchedule, nextDelayMs } from '../dispatch/retry-schedule.js';
import { generateSecret } from '../domain/secrets.js';
import { dbtCloudCatalog } from './catalogs/dbt-cloud.js';
import { dbtAccountIdJson, dbtCloudProfile } from './dbt-cloud.js';
import { getProfile, isReservedHeaderName } from './index.js';

const application = app();
const secret = generateSecret();
const ep = endpoint(application.id, { profile: 'dbt-cloud' });
const prepared = dbtCloudProfile.prepare({ endpoint: ep, secrets: [{ key: secret, expiresAt: null }] });
const example = (name: string) => dbtCloudCatalog.find((e) => e.name === name)!.schema.examples[0]!;

describe('dbt-cloud profile', () => {
  it('sends the seed’s envelope, repaired, byte for byte (keys in the documented order)', () => {
    for (const name of ['job.run.started', 'job.run.canceled', 'job.run.completed']) {
      const data = example(name);
      const msg = message(application.id, { eventType: name, eventId: '231321foisdjfiods', payload: JSON.stringify(data), timestamp: new Date('2022-05-02T12:42:31Z') });
      const body = prepared.body({ message: msg, payload: msg.payload!, appUid: '123' });
      expect(body).toBe(JSON.stringify({ account_id: 123, event_id: '231321foisdjfiods', timestamp: '2022-05-02T12:42:31.000Z', event_type: name, data }));
    }
  });

  it('uses the message id without an eventId, and the app id without a uid', () => {
    const msg = message(application.id, { eventType: 'job.run.started', payload: '{"job_id":"2"}' });
    expect(JSON.parse(prepared.body({ message: msg, payload: msg.payload!, appUid: null }))).toMatchObject({ account_id: application.id, event_id: msg.id });
  });

  it.each([
    ['123', '123'],
    ['0', '0'],
    ['9007199254740991', '9007199254740991'],
    ['9007199254740993', '"9007199254740993"'],
    ['0123', '"0123"'],
    ['1e3', '"1e3"'],
    ['acme', '"acme"'],
  ])('account_id for uid %s is %s', (uid, json) => {
    expect(dbtAccountIdJson(uid, application.id)).toBe(json);
  });

  it('puts the hex HMAC of the raw body, keyed by the secret string, in Authorization', () => {
    const msg = message(application.id, { eventType: 'job.run.started' });
    const body = prepared.body({ message: msg, payload: msg.payload!, appUid: null });
    const headers = prepared.signatureHeaders({ msgId: msg.id, body, attemptAt: new Date() });
    expect(headers).toEqual({ authorization: createHmac('sha256', secret).update(body, 'utf8').digest('hex') });
    expect(prepared.body({ message: { ...msg }, payload: msg.payload!, appUid: null })).toBe(body);
  });

  it('times out after 10 s and retries five times: 10 s, 1 min, 5 min, 30 min, 2 h', () => {
    expect(dbtCloudProfile.timeoutMs).toBe(10_000);
    const schedule = effectiveSchedule({ retrySchedule: null }, dbtCloudProfile, loadConfig({ HERALD_RETRY_SCHEDULE: '1,2,3' }));
    expect(schedule).toEqual([10, 60, 300, 1800, 7200]);
    const delays = [1, 2, 3, 4, 5, 6].map((attemptCount) => nextDelayMs({ schedule, attemptCount, random: () => 0.5 }));
    expect(delays).toEqual([10_000, 60_000, 300_000, 1_800_000, 7_200_000, null]);
  });

  it('takes no options, is registered, and reserves Authorization for its endpoints only', () => {
    expect(dbtCloudProfile.validateOptions({ jobs: [1] }).map((i) => i.loc)).toEqual([['body', 'profileOptions', 'jobs']]);
    expect(getProfile('dbt-cloud')).toBe(dbtCloudProfile);
    expect(isReservedHeaderName('authorization', 'dbt-cloud')).toBe(true);
    expect(isReservedHeaderName('authorization', 'standard')).toBe(false);
  });
});
