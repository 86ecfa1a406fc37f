import siftModule from 'sift';
import { getProfile } from '../profiles/index.js';
import { ValidationError } from './errors.js';
import type { Endpoint, Message } from './types.js';

// sift ships CommonJS typings whose default export TypeScript sees as the namespace under NodeNext.
const sift = siftModule as unknown as (query: unknown) => (value: unknown) => boolean;

/**
 * Which endpoints get a message (DESIGN §4 "Matching"): enabled, `filterTypes` absent or holding
 * the event type, `channels` absent or sharing one with the message, `payloadFilter` absent or
 * matching the payload, and the endpoint's profile accepting it (`Profile.accepts`: AtScale's
 * slowness threshold). Filters see the payload as the producer sent it, never a profile's
 * envelope: a dbt Cloud job filter is `{"job_id": …}`, not `{"data.job_id": …}`.
 */
export const payloadFilterOperators = ['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists', '$and', '$or'] as const;
const allowedOperators = new Set<string>(payloadFilterOperators);
const filterDepthMax = 16;

/**
 * Rejects a payload filter that uses anything but the allowed operators. `sift` would run
 * `$where` as code and accepts many more operators, so this whitelist runs before sift sees it.
 */
export function validatePayloadFilter(filter: unknown, loc: string[] = ['body', 'payloadFilter']): void {
  const problems: string[] = [];
  const walk = (node: unknown, depth: number, path: string[]) => {
    if (depth > filterDepthMax) return void problems.push(`${path.join('.')}: nests deeper than ${filterDepthMax}`);
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, depth + 1, [...path, String(i)]));
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('$') && !allowedOperators.has(key)) {
        problems.push(`operator ${key} is not allowed; use one of ${payloadFilterOperators.join(' ')}`);
      }
      walk(value, depth + 1, [...path, key]);
    }
  };
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) problems.push('must be an object');
  else walk(filter, 0, []);
  if (problems.length === 0) {
    try {
      sift(filter);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new ValidationError(problems.map((msg) => ({ loc, msg, type: 'value_error.payloadfilter' })));
}

/** How many compiled payload filters are kept; past it the least recently used goes. */
export const payloadFilterCacheSizeDefault = 10_000;

/**
 * Compiled payload filters, by the filter's JSON text: endpoints are read afresh for each
 * request, so an object-keyed cache would never hit across requests. The text is computed once
 * per endpoint object (a batch matches every message against the same objects), then the bounded
 * map is looked up; a hit moves the entry to the young end.
 */
const byObject = new WeakMap<object, (payload: unknown) => boolean>();
const byText = new Map<string, (payload: unknown) => boolean>();

function payloadFilterTest(filter: Record<string, unknown>): (payload: unknown) => boolean {
  let test = byObject.get(filter);
  if (test) return test;
  const text = JSON.stringify(filter);
  test = byText.get(text);
  if (test) byText.delete(text);
  else {
    test = sift(filter);
    if (byText.size >= payloadFilterCacheSizeDefault) byText.delete(byText.keys().next().value!);
  }
  byText.set(text, test);
  byObject.set(filter, test);
  return test;
}

export interface MatchInput {
  eventType: string;
  channels: string[] | null;
  /** The parsed payload; only read when an endpoint has a payload filter or its profile a rule. */
  payload: unknown;
}

export function endpointMatches(endpoint: Endpoint, msg: MatchInput): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.filterTypes !== null && !endpoint.filterTypes.includes(msg.eventType)) return false;
  if (endpoint.channels !== null && !(msg.channels ?? []).some((c) => endpoint.channels!.includes(c))) return false;
  if (endpoint.payloadFilter !== null && !payloadFilterTest(endpoint.payloadFilter)(msg.payload)) return false;
  const accepts = getProfile(endpoint.profile)?.accepts;
  return accepts === undefined || accepts({ eventType: msg.eventType, payload: msg.payload, options: endpoint.profileOptions });
}

export function matchInputOf(message: Message): MatchInput {
  return { eventType: message.eventType, channels: message.channels, payload: message.payload === null ? null : JSON.parse(message.payload) };
}
