import { atscaleCatalog } from './catalogs/atscale.js';
import { integerOption } from './options.js';
import type { ProfileAcceptInput } from './profile.js';
import { standardWebhooksProfile } from './standard.js';

/**
 * AtScale engine webhooks (seed 003): the engine event is the body as given (`event_type`
 * inside), signed with Standard Webhooks (the seed documents no signature). Endpoints subscribe
 * per event with `filterTypes`, as AtScale's settings page picks one event per webhook.
 *
 * The slowness threshold ("a slow query execution is four seconds or more by default", user
 * defined) is `profileOptions.slowThresholdMs`, default 4000: a `slow_query_event` reaches the
 * endpoint only when `time_taken` (seconds) × 1000 ≥ threshold, a `slow_agg_builds` only when
 * `duration` (ms) ≥ threshold. One without a numeric `time_taken`/`duration` cannot be shown to
 * be slow and is not sent. Other events are not affected.
 */
export const atscaleSlowThresholdMsDefault = 4_000;
/** A day: a larger threshold would silence the events, which `filterTypes` does more plainly. */
export const atscaleSlowThresholdMsMax = 86_400_000;

function thresholdOf(options: Record<string, unknown>): number {
  return typeof options.slowThresholdMs === 'number' ? options.slowThresholdMs : atscaleSlowThresholdMsDefault;
}

export function atscaleAccepts({ eventType, payload, options }: ProfileAcceptInput): boolean {
  if (eventType !== 'slow_query_event' && eventType !== 'slow_agg_builds') return true;
  const event = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  const threshold = thresholdOf(options);
  if (eventType === 'slow_query_event') return typeof event.time_taken === 'number' && event.time_taken * 1000 >= threshold;
  return typeof event.duration === 'number' && event.duration >= threshold;
}

export const atscaleProfile = standardWebhooksProfile({
  name: 'atscale',
  catalog: atscaleCatalog,
  options: { slowThresholdMs: integerOption(0, atscaleSlowThresholdMsMax) },
  accepts: atscaleAccepts,
});
