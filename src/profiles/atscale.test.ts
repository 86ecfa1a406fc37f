import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { app, endpoint, message } from '../../test/helpers/factory.js';
import { endpointMatches } from '../domain/matching.js';
import { generateSecret } from '../domain/secrets.js';
import { atscaleAccepts, atscaleProfile } from './atscale.js';
import { atscaleCatalog } from './catalogs/atscale.js';
import { getProfile } from './index.js';

const application = app();
const example = (name: string) => atscaleCatalog.find((e) => e.name === name)!.schema.examples[0]!;
const accepts = (eventType: string, payload: unknown, options: Record<string, unknown> = {}) => atscaleAccepts({ eventType, payload, options });

describe('atscale profile', () => {
  it('sends the engine event as given, signed with Standard Webhooks', () => {
    const secret = generateSecret();
    const payload = JSON.stringify(example('aggregate_batch_started'));
    const msg = message(application.id, { eventType: 'aggregate_batch_started', payload });
    const prepared = atscaleProfile.prepare({ endpoint: endpoint(application.id, { profile: 'atscale' }), secrets: [{ key: secret, expiresAt: null }] });
    const body = prepared.body({ message: msg, payload, appUid: 'default.prod' });
    expect(body).toBe(payload);
    expect(new Webhook(secret).verify(body, prepared.signatureHeaders({ msgId: msg.id, body, attemptAt: new Date() }))).toEqual(JSON.parse(payload));
  });

  it('passes a slow query at or over the threshold (4 s by default), measured in seconds', () => {
    expect(accepts('slow_query_event', example('slow_query_event'))).toBe(false); // the seed's 3.708 s
    expect(accepts('slow_query_event', { time_taken: 4 })).toBe(true);
    expect(accepts('slow_query_event', { time_taken: 3.999 })).toBe(false);
    expect(accepts('slow_query_event', example('slow_query_event'), { slowThresholdMs: 3_708 })).toBe(true);
    expect(accepts('slow_query_event', example('slow_query_event'), { slowThresholdMs: 3_709 })).toBe(false);
    expect(accepts('slow_query_event', { time_taken: 0 }, { slowThresholdMs: 0 })).toBe(true);
  });

  it('passes a slow aggregate build at or over the threshold, measured in milliseconds', () => {
    expect(accepts('slow_agg_builds', example('slow_agg_builds'))).toBe(true); // the seed's 7623 ms
    expect(accepts('slow_agg_builds', { duration: 4_000 })).toBe(true);
    expect(accepts('slow_agg_builds', { duration: 3_999 })).toBe(false);
    expect(accepts('slow_agg_builds', example('slow_agg_builds'), { slowThresholdMs: 7_624 })).toBe(false);
  });

  it('drops a slow event without a numeric measure and leaves other events alone', () => {
    expect(accepts('slow_query_event', {})).toBe(false);
    expect(accepts('slow_query_event', { time_taken: '9' })).toBe(false);
    expect(accepts('slow_agg_builds', null)).toBe(false);
    expect(accepts('aggregate_batch_started', {})).toBe(true);
    expect(accepts('anything.else', { time_taken: 0 })).toBe(true);
  });

  it('is consulted by endpointMatches for atscale endpoints only', () => {
    const slowQuery = { eventType: 'slow_query_event', channels: null, payload: example('slow_query_event') };
    expect(endpointMatches(endpoint(application.id, { profile: 'atscale' }), slowQuery)).toBe(false);
    expect(endpointMatches(endpoint(application.id, { profile: 'atscale', profileOptions: { slowThresholdMs: 3_000 } }), slowQuery)).toBe(true);
    expect(endpointMatches(endpoint(application.id, { profile: 'standard' }), slowQuery)).toBe(true);
    // filterTypes still decides first.
    expect(endpointMatches(endpoint(application.id, { profile: 'atscale', profileOptions: { slowThresholdMs: 0 }, filterTypes: ['slow_agg_builds'] }), slowQuery)).toBe(false);
  });

  it('validates slowThresholdMs and headerNames', () => {
    expect(atscaleProfile.validateOptions({ slowThresholdMs: 2_500, headerNames: 'svix' })).toEqual([]);
    for (const bad of [-1, 1.5, '4000', null, 86_400_001]) {
      expect(atscaleProfile.validateOptions({ slowThresholdMs: bad }).map((i) => i.loc)).toEqual([['body', 'profileOptions', 'slowThresholdMs']]);
    }
    expect(atscaleProfile.validateOptions({ threshold: 1 }).map((i) => i.loc)).toEqual([['body', 'profileOptions', 'threshold']]);
    expect(getProfile('atscale')).toBe(atscaleProfile);
    expect(atscaleProfile.timeoutMs).toBe(15_000);
    expect(atscaleProfile.retrySchedule).toBeNull();
  });
});
