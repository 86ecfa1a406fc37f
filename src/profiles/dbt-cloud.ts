import { dbtCloudSignatureHeader } from '@herald/receiver';
import { dbtCloudCatalog } from './catalogs/dbt-cloud.js';
import { envelopeJson } from './envelope.js';
import { optionProblems } from './options.js';
import type { Profile } from './profile.js';
import { hexSignatureHeaders } from './sign.js';

/**
 * dbt Cloud (seed 004): every request is the envelope
 * `{"account_id", "event_id", "timestamp", "event_type", "data"}`, in that order, with the hex
 * HMAC-SHA256 of the raw body in `Authorization` (no scheme word, as dbt Cloud sends it). 10 s
 * timeout; five retries.
 *
 * `account_id` is the application's uid, as a JSON number when it is a plain decimal integer
 * within 2^53 (dbt's account ids are numbers: an app with uid "123" sends `"account_id":123`),
 * else as a string; the application's id when it has no uid. `event_id` is the message's
 * `eventId`, else its id. `timestamp` is the message's time, RFC 3339 UTC, fixed per message.
 *
 * dbt publishes the retry count, not the delays; these are Herald's choice (DESIGN §5), spread
 * over about 2.6 hours so that a receiver down for a deploy or a short outage still gets the event.
 */
export const dbtCloudHeaderName = dbtCloudSignatureHeader;
export const dbtCloudTimeoutMsDefault = 10_000;
export const dbtCloudRetryScheduleDefault: readonly number[] = Object.freeze([10, 60, 300, 1800, 7200]);

const plainInteger = /^(?:0|[1-9][0-9]{0,15})$/;

/** The `account_id` value as JSON text. */
export function dbtAccountIdJson(appUid: string | null, appId: string): string {
  if (appUid === null) return JSON.stringify(appId);
  return plainInteger.test(appUid) && Number.isSafeInteger(Number(appUid)) ? appUid : JSON.stringify(appUid);
}

export const dbtCloudProfile: Profile = {
  name: 'dbt-cloud',
  timeoutMs: dbtCloudTimeoutMsDefault,
  retrySchedule: dbtCloudRetryScheduleDefault,
  signatureHeaderNames: [dbtCloudHeaderName],
  catalog: dbtCloudCatalog,

  validateOptions: (options) => optionProblems('dbt-cloud', options, {}),

  prepare({ secrets }) {
    const sign = hexSignatureHeaders(dbtCloudHeaderName, secrets);
    return {
      body: ({ message, payload, appUid }) =>
        envelopeJson([
          ['account_id', dbtAccountIdJson(appUid, message.appId)],
          ['event_id', JSON.stringify(message.eventId ?? message.id)],
          ['timestamp', JSON.stringify(message.timestamp.toISOString())],
          ['event_type', JSON.stringify(message.eventType)],
          ['data', payload],
        ]),
      signatureHeaders: ({ body }) => sign(body),
    };
  },
};
