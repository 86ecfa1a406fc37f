import { paradymSignatureHeader } from '@herald/receiver';
import { paradymCatalog } from './catalogs/paradym.js';
import { envelopeJson } from './envelope.js';
import { optionProblems } from './options.js';
import type { Profile } from './profile.js';
import { hexSignatureHeaders } from './sign.js';

/**
 * Paradym (seed 002): every request is the envelope
 * `{"webhookId", "webhookPublishedAt", "projectId", "eventType", "payload"}`, in that order,
 * signed in `X-Paradym-HMAC-SHA-256` with the hex HMAC-SHA256 of the raw body. A 2xx within 5 s
 * is success; anything else fails at once and is not retried ("will be considered failed and will
 * not be retried").
 *
 * `webhookId` is the endpoint's id; `projectId` the application's uid, else its id;
 * `webhookPublishedAt` the message's time (ISO-8601, UTC, milliseconds), fixed per message so
 * that a manual resend carries the same bytes as the first attempt.
 */
export const paradymHeaderName = paradymSignatureHeader;
export const paradymTimeoutMsDefault = 5_000;

export const paradymProfile: Profile = {
  name: 'paradym',
  timeoutMs: paradymTimeoutMsDefault,
  retrySchedule: [],
  signatureHeaderNames: [paradymHeaderName],
  catalog: paradymCatalog,

  validateOptions: (options) => optionProblems('paradym', options, {}),

  prepare({ endpoint, secrets }) {
    const sign = hexSignatureHeaders(paradymHeaderName, secrets);
    const webhookId = JSON.stringify(endpoint.id);
    return {
      body: ({ message, payload, appUid }) =>
        envelopeJson([
          ['webhookId', webhookId],
          ['webhookPublishedAt', JSON.stringify(message.timestamp.toISOString())],
          ['projectId', JSON.stringify(appUid ?? message.appId)],
          ['eventType', JSON.stringify(message.eventType)],
          ['payload', payload],
        ]),
      signatureHeaders: ({ body }) => sign(body),
    };
  },
};
