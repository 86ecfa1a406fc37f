import type { Id } from '../domain/ids.js';
import type {
  Application,
  Attempt,
  BackgroundTask,
  Delivery,
  Endpoint,
  EventType,
  IdempotentResponse,
  ListParams,
  Message,
  MessageStatus,
  Page,
  PortalToken,
} from '../domain/types.js';

/**
 * The storage driver interface. `api/` and `dispatch/` talk to this only; `src/main.ts` and the
 * tests pick a driver (`sqlite/`, `postgres/`). Every method is noun-first, takes one params
 * object, and receives `now` from the caller so that tests can drive time.
 *
 * Error contract (asserted by `test/conformance/`): a unique violation throws `ConflictError`, an
 * update or delete of a missing row throws `NotFoundError`, a lost database throws
 * `UnavailableError`. Getters return `null` for a missing row.
 *
 * Composite operations (`messageInsert`, `deliveryRecordOutcomes`) are atomic: better-sqlite3
 * transactions cannot span an `await`, so the driver, not the caller, owns the transaction.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** The highest migration applied. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;

  settingGet(p: { key: string }): Promise<string | null>;
  settingPut(p: { key: string; value: string }): Promise<void>;

  applicationInsert(app: Application): Promise<void>;
  applicationGet(p: { idOrUid: string }): Promise<Application | null>;
  applicationList(p: ListParams): Promise<Page<Application>>;
  applicationUpdate(app: Application): Promise<void>;
  /** Deletes the application and everything under it. */
  applicationDelete(p: { id: Id<'app'> }): Promise<void>;

  eventTypeInsert(eventType: EventType): Promise<void>;
  eventTypeGet(p: { name: string }): Promise<EventType | null>;
  eventTypeList(p: EventTypeListParams): Promise<Page<EventType>>;
  /** Which of `names` exist and are not archived. */
  eventTypeNamesExisting(p: { names: string[] }): Promise<string[]>;
  eventTypeUpdate(eventType: EventType): Promise<void>;
  eventTypeDelete(p: { name: string }): Promise<void>;

  endpointInsert(endpoint: Endpoint): Promise<void>;
  endpointGet(p: { appId: Id<'app'>; idOrUid: string }): Promise<Endpoint | null>;
  endpointList(p: ListParams & { appId: Id<'app'> }): Promise<Page<Endpoint>>;
  /** Every endpoint of an app, for matching messages at ingest. */
  endpointListAll(p: { appId: Id<'app'> }): Promise<Endpoint[]>;
  endpointUpdate(endpoint: Endpoint): Promise<void>;
  endpointDelete(p: { appId: Id<'app'>; id: Id<'ep'> }): Promise<void>;

  /**
   * Stores messages and their pending deliveries (due at `now`, or at the message's time) in one
   * durable transaction; resolves only once it is on disk. A duplicate `eventId` within an app
   * throws `ConflictError` and stores nothing of this call. Concurrent calls may share one commit.
   */
  messageInsert(p: MessageInsertParams): Promise<void>;
  /** By message id, or by `eventId`. */
  messageGet(p: { appId: Id<'app'>; idOrEventId: string }): Promise<Message | null>;
  messageList(p: MessageListParams): Promise<Page<Message>>;
  /** Messages of the app in [since, until) with no delivery for the endpoint: replay-missing. */
  messageListWithoutDelivery(p: MessageWithoutDeliveryParams): Promise<Message[]>;
  messageExpungePayload(p: { appId: Id<'app'>; id: Id<'msg'> }): Promise<void>;

  /**
   * Claims due pending deliveries: marks them sending with a lease until `now + leaseMs` and
   * returns them with their message and endpoint. Skips disabled endpoints and those listed in
   * `skipEndpointIds`; takes at most `perEndpointLimit` per endpoint so that one busy endpoint
   * cannot fill a batch.
   *
   * The endpoint's limits hold across every process that claims from the store:
   * - at most `maxConcurrency` (or `maxConcurrencyDefault`) of its deliveries are leased at once,
   *   counting unexpired leases of every claimer, so a claim takes at most that minus those;
   * - with a `rateLimit` > 0, each delivery taken spends a token of one shared bucket per
   *   endpoint holding at most `rateLimit` tokens and refilled at `rateLimit` per second. The
   *   bucket runs on the store's own clock (the database server's, or the SQLite process's), not
   *   on `now`: a rate is real elapsed time, and a fake `now` that stands still would stall it.
   */
  deliveryClaimDue(p: DeliveryClaimDueParams): Promise<ClaimedDelivery[]>;
  /** Writes each attempt and the delivery's new state (and disables endpoints on 410). */
  deliveryRecordOutcomes(p: { outcomes: DeliveryOutcome[] }): Promise<void>;
  /** Returns claimed deliveries to pending without an attempt (graceful stop). */
  deliveryReleaseLeases(p: { keys: DeliveryKey[]; now: Date }): Promise<void>;
  /** Returns deliveries whose lease expired to pending; the count returned. */
  deliveryReapExpiredLeases(p: { now: Date }): Promise<number>;
  /**
   * Resend: makes the delivery pending now with a fresh schedule and a manual trigger; creates
   * it when the message never went to that endpoint. A delivery being sent is left as it is:
   * the request in flight is the resend.
   */
  deliveryRequeue(p: DeliveryKey & { now: Date }): Promise<void>;
  /** Recover: requeues the endpoint's failed deliveries whose message is in [since, until). */
  deliveryRequeueFailed(p: DeliveryRangeParams): Promise<number>;
  /** Creates pending deliveries with a manual trigger (replay-missing). */
  deliveryInsert(p: { appId: Id<'app'>; endpointId: Id<'ep'>; msgIds: Id<'msg'>[]; now: Date }): Promise<void>;
  deliveryListByMessage(p: { appId: Id<'app'>; msgId: Id<'msg'> }): Promise<Delivery[]>;
  deliveryListByEndpoint(p: DeliveryListByEndpointParams): Promise<Page<{ delivery: Delivery; message: Message }>>;
  deliveryStats(p: DeliveryStatsParams): Promise<Record<'success' | 'pending' | 'sending' | 'fail' | 'canceled', number>>;

  attemptList(p: AttemptListParams): Promise<Page<Attempt>>;
  attemptGet(p: { appId: Id<'app'>; msgId: Id<'msg'>; id: Id<'atmpt'> }): Promise<Attempt | null>;

  portalTokenInsert(token: PortalToken): Promise<void>;
  portalTokenGet(p: { tokenHash: string; now: Date }): Promise<PortalToken | null>;

  /**
   * Starts an idempotent request. `new`: the caller runs it and must `idempotencyComplete` or
   * `idempotencyAbandon`; `in-progress`: another request holds the key; `done`: replay `response`.
   * Keys begun before `expiresBefore` count as absent, and so do keys still in progress that were
   * begun more than `idempotencyInProgressTtlMs` before `now`: their request is taken to have died
   * between begin and complete, and the caller takes the key over (`new`).
   */
  idempotencyBegin(p: { key: string; now: Date; expiresBefore: Date }): Promise<IdempotencyBeginResult>;
  idempotencyComplete(p: { key: string; response: IdempotentResponse }): Promise<void>;
  idempotencyAbandon(p: { key: string }): Promise<void>;

  taskInsert(task: BackgroundTask): Promise<void>;
  taskUpdate(task: BackgroundTask): Promise<void>;
  taskGet(p: { id: Id<'qtask'> }): Promise<BackgroundTask | null>;

  // --- maintenance and metrics (src/maintenance/, src/metrics/) ---------------------------------

  /**
   * The delivery queue for the metrics gauges: pending deliveries of enabled endpoints (those of
   * disabled endpoints wait for a re-enable and are not work), how many are due at `now`, the
   * earliest due time, and the deliveries in flight per endpoint. Scans the queue's partial
   * indexes only, so it costs in proportion to the live queue, not to the history.
   */
  deliveryQueueStats(p: { now: Date }): Promise<DeliveryQueueStats>;
  /**
   * Enabled endpoints failing since at or before `failingSince`: their first failed attempt after
   * both their last successful attempt and their last edit (`updatedAt`: re-enabling an endpoint
   * restarts its clock) is that old, and no attempt succeeded since. Auto-disable (DESIGN §4).
   */
  endpointListFailing(p: { failingSince: Date; limit: number }): Promise<FailingEndpoint[]>;
  /** Disables an enabled endpoint (stamping `updatedAt`); false when it was disabled already or is gone. */
  endpointDisable(p: { appId: Id<'app'>; id: Id<'ep'>; now: Date }): Promise<boolean>;
  /**
   * Retention: drops the payloads of at most `limit` messages created in [from, before) (from the
   * beginning when `from` is null), except those whose own `payloadExpiresAt` is later than `now`.
   * The count of messages changed; the caller repeats until it is below `limit`.
   */
  messagePurgePayloads(p: { from: Date | null; before: Date; now: Date; limit: number }): Promise<number>;
  /** Drops the payloads of at most `limit` messages whose own `payloadExpiresAt` is at or before `now`. */
  messagePurgeExpiredPayloads(p: { now: Date; limit: number }): Promise<number>;
  /** Deletes at most `limit` attempts made before `before`; the count. */
  attemptPurge(p: { before: Date; limit: number }): Promise<number>;
  /** Deletes at most `limit` idempotency keys begun before `before`; the count. */
  idempotencyPurge(p: { before: Date; limit: number }): Promise<number>;

  /**
   * Subscribes a worker to wake-ups: `listener` is called after a write that may have made
   * deliveries due (ingest with deliveries, resend, recover, replay, released or reaped leases),
   * at once for this process's own writes and, on PostgreSQL, for every process sharing the
   * database (LISTEN/NOTIFY); also once whenever that channel comes back after a lost
   * connection, since notices sent meanwhile are gone. A hint, not a queue: a listener may be
   * called with nothing to claim, and retries coming due send no notice, so workers still poll,
   * slowly. Returns the unsubscribe function. (Named as an event rather than noun-first: it is a
   * subscription, not a storage operation.)
   */
  onDeliveriesQueued(listener: () => void): () => void;
  /**
   * Subscribes to this process's writes of applications, endpoints and event types (and outcome
   * batches that disable an endpoint), called once each has settled: ingest's lookup cache drops
   * what it holds (`config-writes.ts`, `src/api/ingest-lookups.ts`). Other processes' writes are
   * not reported. Returns the unsubscribe function.
   */
  onConfigWritten(listener: () => void): () => void;
}

export interface DeliveryQueueStats {
  pending: number;
  due: number;
  /** The earliest `nextAttemptAt` of a pending delivery of an enabled endpoint; null when none. */
  oldestDueAt: Date | null;
  inFlight: { appId: Id<'app'>; endpointId: Id<'ep'>; count: number }[];
}

export interface FailingEndpoint {
  appId: Id<'app'>;
  endpointId: Id<'ep'>;
  /** The first failed attempt of the streak. */
  failSince: Date;
}

export interface EventTypeListParams extends ListParams {
  includeArchived: boolean;
}

export interface MessageInsertParams {
  items: { message: Message; endpointIds: Id<'ep'>[] }[];
  now: Date;
}

export interface MessageListParams extends ListParams {
  appId: Id<'app'>;
  eventTypes?: string[] | null;
  channel?: string | null;
  tag?: string | null;
  before?: Date | null;
  after?: Date | null;
}

export interface MessageWithoutDeliveryParams {
  appId: Id<'app'>;
  endpointId: Id<'ep'>;
  since: Date;
  until: Date;
  limit: number;
  /** Resume after this message id (exclusive). */
  afterId?: Id<'msg'> | null;
}

export interface DeliveryKey {
  appId: Id<'app'>;
  msgId: Id<'msg'>;
  endpointId: Id<'ep'>;
}

export interface DeliveryClaimDueParams {
  now: Date;
  limit: number;
  leaseMs: number;
  perEndpointLimit: number;
  /** In-flight cap of endpoints whose `maxConcurrency` is null; default `maxConcurrencyDefault`. */
  maxConcurrencyDefault?: number;
  skipEndpointIds: readonly string[];
}

export interface ClaimedDelivery {
  delivery: Delivery;
  message: Message;
  endpoint: Endpoint;
  appUid: string | null;
}

export interface DeliveryOutcome {
  key: DeliveryKey;
  attempt: Attempt;
  /** The delivery's new state: Success, Pending (retry at `nextAttemptAt`) or Fail. */
  status: MessageStatus;
  nextAttemptAt: Date | null;
  attemptCount: number;
  /** 410 Gone: disable the endpoint in the same transaction. */
  disableEndpoint: boolean;
}

export interface DeliveryRangeParams {
  appId: Id<'app'>;
  endpointId: Id<'ep'>;
  since: Date;
  until: Date;
  now: Date;
}

export interface DeliveryListByEndpointParams extends ListParams {
  appId: Id<'app'>;
  endpointId: Id<'ep'>;
  status?: MessageStatus | null;
}

export interface DeliveryStatsParams {
  appId: Id<'app'>;
  endpointId: Id<'ep'>;
  since?: Date | null;
  until?: Date | null;
}

export interface AttemptListParams extends ListParams {
  appId: Id<'app'>;
  endpointId?: Id<'ep'> | null;
  msgId?: Id<'msg'> | null;
  status?: MessageStatus | null;
  eventTypes?: string[] | null;
  before?: Date | null;
  after?: Date | null;
}

/** An endpoint's in-flight cap when its `maxConcurrency` is null (DESIGN §4). */
export const maxConcurrencyDefault = 10;

/**
 * How long an `Idempotency-Key` may stay in progress before `idempotencyBegin` hands it to the next
 * request. Without it, a process that died between begin and complete left the key answering 409
 * for the whole 24 h window. Idempotent requests take milliseconds to seconds (a 1,000-message
 * batch is one group commit), so 60 s is far beyond a live one; a retry before then still gets
 * 409. Known limits: a request still running after 60 s (a replay-missing over millions of
 * messages) can be run a second time by a retry with its key, and the later of the two to
 * complete leaves its answer; and the overtaken request's abandon frees the new holder's key.
 */
export const idempotencyInProgressTtlMs = 60_000;

export type IdempotencyBeginResult =
  | { state: 'new' }
  | { state: 'in-progress' }
  | { state: 'done'; response: IdempotentResponse };
