import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { app, endpoint, message } from '../../test/helpers/factory.js';
import { loadConfig } from '../config.js';
import { effectiveSchedule, nextDelayMs } from '../dispatch/retry-schedule.js';
import { generateSecret } from '../domain/secrets.js';
import { paradymCatalog } from './catalogs/paradym.js';
import { getProfile, isReservedHeaderName } from './index.js';
import { paradymProfile } from './paradym.js';

const application = app();
const secret = generateSecret();
const ep = endpoint(application.id, { profile: 'paradym' });
const payload = JSON.stringify(paradymCatalog.find((e) => e.name === 'workflowExecution.failed')!.schema.examples[0]);
const msg = message(application.id, { eventType: 'workflowExecution.failed', payload, timestamp: new Date('2026-03-04T05:06:07.089Z') });
const prepared = paradymProfile.prepare({ endpoint: ep, secrets: [{ key: secret, expiresAt: null }] });

describe('paradym profile', () => {
  it('wraps the payload in the documented envelope, keys in order, payload bytes unchanged', () => {
    const body = prepared.body({ message: msg, payload, appUid: 'proj-1' });
    expect(body).toBe(
      `{"webhookId":"${ep.id}","webhookPublishedAt":"2026-03-04T05:06:07.089Z","projectId":"proj-1","eventType":"workflowExecution.failed","payload":${payload}}`,
    );
    expect(Object.keys(JSON.parse(body))).toEqual(['webhookId', 'webhookPublishedAt', 'projectId', 'eventType', 'payload']);
  });

  it('uses the app id as projectId when the app has no uid', () => {
    expect(JSON.parse(prepared.body({ message: msg, payload, appUid: null })).projectId).toBe(application.id);
  });

  it('builds the same bytes for every attempt: the time is the message’s, not the attempt’s', () => {
    const first = prepared.body({ message: msg, payload, appUid: null });
    expect(prepared.body({ message: { ...msg }, payload, appUid: null })).toBe(first);
    expect(prepared.signatureHeaders({ msgId: msg.id, body: first, attemptAt: new Date() })).toEqual(
      prepared.signatureHeaders({ msgId: msg.id, body: first, attemptAt: new Date(Date.now() + 3_600_000) }),
    );
  });

  it('signs X-Paradym-HMAC-SHA-256 with the hex HMAC of the raw body, keyed by the secret string as shown', () => {
    const body = prepared.body({ message: msg, payload, appUid: null });
    const expected = createHmac('sha256', secret).update(body, 'utf8').digest('hex');
    expect(prepared.signatureHeaders({ msgId: msg.id, body, attemptAt: new Date() })).toEqual({ 'x-paradym-hmac-sha-256': expected });
  });

  it('signs with the current secret only during a rotation', () => {
    const old = generateSecret();
    const rotating = paradymProfile.prepare({ endpoint: ep, secrets: [{ key: secret, expiresAt: null }, { key: old, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }] });
    const header = rotating.signatureHeaders({ msgId: msg.id, body: '{}', attemptAt: new Date() })['x-paradym-hmac-sha-256'];
    expect(header).toBe(createHmac('sha256', secret).update('{}').digest('hex'));
  });

  it('times out after 5 s and makes one attempt only, whatever the server default', () => {
    expect(paradymProfile.timeoutMs).toBe(5_000);
    const schedule = effectiveSchedule({ retrySchedule: null }, paradymProfile, loadConfig({}));
    expect(schedule).toEqual([]);
    expect(nextDelayMs({ schedule, attemptCount: 1 })).toBeNull();
    // An endpoint's own schedule still wins.
    expect(effectiveSchedule({ retrySchedule: [1] }, paradymProfile, loadConfig({}))).toEqual([1]);
  });

  it('takes no options, is registered, and reserves its header for its endpoints only', () => {
    expect(paradymProfile.validateOptions({})).toEqual([]);
    expect(paradymProfile.validateOptions({ headerNames: 'svix' })).toEqual([
      { loc: ['body', 'profileOptions', 'headerNames'], msg: 'the paradym profile takes no options', type: 'value_error.profileoptions' },
    ]);
    expect(getProfile('paradym')).toBe(paradymProfile);
    expect(isReservedHeaderName('x-paradym-hmac-sha-256', 'paradym')).toBe(true);
    expect(isReservedHeaderName('x-paradym-hmac-sha-256', 'standard')).toBe(false);
  });
});
