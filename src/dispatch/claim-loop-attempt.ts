import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { newId } from '../domain/ids.js';
import type { SecretBox } from '../domain/secrets.js';
import { MessageStatus, type Attempt, type Endpoint } from '../domain/types.js';
import { getProfile, type PreparedEndpoint } from '../profiles/index.js';
import type { ClaimedDelivery, DeliveryKey, DeliveryOutcome } from '../store/driver.js';
import { effectiveSchedule, nextDelayMs, parseRetryAfter } from './retry-schedule.js';
import { userAgent, type Sender, type SendResult } from './sender.js';

/** Everything derived from one endpoint version, built once and reused for every attempt. */
export interface EndpointState {
  version: string;
  prepared: PreparedEndpoint | null;
  /** Why the endpoint cannot be signed for (unknown profile, unreadable secret). */
  problem: string | null;
  /** Custom headers, then Herald's own (which win), lower-cased. */
  baseHeaders: Record<string, string>;
  timeoutMs: number;
  schedule: readonly number[];
}

const timeoutMsDefault = 15_000;

export function deliveryKey(c: ClaimedDelivery): DeliveryKey {
  return { appId: c.delivery.appId, msgId: c.delivery.msgId, endpointId: c.delivery.endpointId };
}

/** Endpoint states by endpoint id, rebuilt when the endpoint's version changes. */
export class EndpointStates {
  private readonly states = new Map<string, EndpointState>();

  constructor(private readonly deps: { secretBox: SecretBox; config: Config; timeoutCapMs: number }) {}

  get(endpoint: Endpoint): EndpointState {
    const version = `${endpoint.updatedAt.getTime()}:${endpoint.version}`;
    const cached = this.states.get(endpoint.id);
    if (cached?.version === version) return cached;
    const state = this.build(endpoint, version);
    // Bounded by the number of endpoints; a process with more than this many active endpoints
    // just rebuilds states (a decrypt and a few allocations each).
    if (this.states.size >= 10_000) this.states.clear();
    this.states.set(endpoint.id, state);
    return state;
  }

  private build(endpoint: Endpoint, version: string): EndpointState {
    const profile = getProfile(endpoint.profile);
    let prepared: PreparedEndpoint | null = null;
    let problem: string | null = null;
    if (!profile) {
      problem = `not sent: this Herald has no profile named "${endpoint.profile}"`;
    } else {
      try {
        prepared = profile.prepare({ endpoint, secrets: this.deps.secretBox.open(endpoint.secrets) });
      } catch (err) {
        problem = `not sent: the endpoint's signing secret cannot be read (${(err as Error).message}); check HERALD_MASTER_KEY`;
      }
    }
    const baseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(endpoint.headers)) baseHeaders[name.toLowerCase()] = value;
    baseHeaders['content-type'] = 'application/json';
    baseHeaders['user-agent'] = userAgent;
    const timeoutMs = Math.max(1, Math.min(endpoint.timeoutMs ?? profile?.timeoutMs ?? timeoutMsDefault, this.deps.timeoutCapMs));
    return { version, prepared, problem, baseHeaders, timeoutMs, schedule: effectiveSchedule(endpoint, profile, this.deps.config) };
  }
}

export interface AttemptDeps {
  sender: Sender;
  clock: Clock;
  signal: AbortSignal;
  random: () => number;
}

/**
 * One attempt: sign, send, decide. Returns the outcome to record, or null when the request was
 * aborted by a stop (the delivery goes back to the queue without an attempt).
 */
export async function attemptDelivery(claimed: ClaimedDelivery, state: EndpointState, deps: AttemptDeps): Promise<DeliveryOutcome | null> {
  const { delivery, message, endpoint, appUid } = claimed;
  const attemptAt = deps.clock.now();
  let headers: Record<string, string> | null = null;
  let result: SendResult;
  let terminal = false;
  if (message.payload === null) {
    // Expunged before it could be sent: retrying cannot help.
    result = notSent('not sent: the message payload was expunged');
    terminal = true;
  } else if (state.prepared === null) {
    result = notSent(state.problem ?? 'not sent');
  } else {
    const body = state.prepared.body({ message, payload: message.payload, appUid });
    headers = { ...state.baseHeaders, ...state.prepared.signatureHeaders({ msgId: message.id, body, attemptAt }) };
    result = await deps.sender.send({ url: endpoint.url, body, headers, timeoutMs: state.timeoutMs, signal: deps.signal });
    if (result.failure === 'aborted') return null;
  }
  const decision = decide(result, state, delivery.attemptCount + 1, terminal, deps);
  const attempt: Attempt = {
    id: newId('atmpt', attemptAt),
    appId: delivery.appId,
    msgId: delivery.msgId,
    endpointId: delivery.endpointId,
    url: endpoint.url,
    response: result.response,
    responseStatusCode: result.statusCode,
    responseHeaders: result.responseHeaders,
    requestHeaders: headers,
    responseDurationMs: result.durationMs,
    status: decision.status === MessageStatus.Success ? MessageStatus.Success : MessageStatus.Fail,
    triggerType: delivery.triggerType,
    timestamp: attemptAt,
  };
  return { key: deliveryKey(claimed), attempt, attemptCount: delivery.attemptCount + 1, ...decision };
}

function notSent(response: string): SendResult {
  return { statusCode: 0, response, responseHeaders: null, durationMs: 0, failure: null };
}

/**
 * 2xx: success. 410: fail and disable the endpoint. Otherwise the next slot of the schedule
 * (at least `Retry-After` on 429/503), or fail once the schedule is exhausted or `terminal`.
 */
function decide(
  result: SendResult,
  state: EndpointState,
  attemptCount: number,
  terminal: boolean,
  deps: AttemptDeps,
): Pick<DeliveryOutcome, 'status' | 'nextAttemptAt' | 'disableEndpoint'> {
  const code = result.statusCode;
  if (code >= 200 && code < 300) return { status: MessageStatus.Success, nextAttemptAt: null, disableEndpoint: false };
  if (code === 410) return { status: MessageStatus.Fail, nextAttemptAt: null, disableEndpoint: true };
  if (terminal) return { status: MessageStatus.Fail, nextAttemptAt: null, disableEndpoint: false };
  const finishedAt = deps.clock.now();
  const retryAfterSeconds = code === 429 || code === 503 ? parseRetryAfter(result.responseHeaders?.['retry-after'], finishedAt) : null;
  const delay = nextDelayMs({ schedule: state.schedule, attemptCount, retryAfterSeconds, random: deps.random });
  if (delay === null) return { status: MessageStatus.Fail, nextAttemptAt: null, disableEndpoint: false };
  return { status: MessageStatus.Pending, nextAttemptAt: new Date(finishedAt.getTime() + delay), disableEndpoint: false };
}
