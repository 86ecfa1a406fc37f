import type { ValidationItem } from '../domain/errors.js';
import type { Id } from '../domain/ids.js';
import type { SigningSecret } from '../domain/secrets.js';
import type { Endpoint, Message } from '../domain/types.js';

/**
 * A profile fixes how one product's requests look on the wire (DESIGN.md §5): the body, the
 * signature headers, the default timeout and the retry policy. An endpoint names its profile
 * (`standard` by default); `src/profiles/index.ts` maps names to profiles.
 *
 * Building a request is split in two on purpose. `body` sees the message but not the attempt, so
 * a retry cannot help sending the same bytes (§4 "byte-identical"); only `signatureHeaders` sees
 * the attempt time. Both live on a `PreparedEndpoint` that the dispatcher builds once per endpoint
 * version (decoded keys, parsed options) and reuses for every attempt.
 */
export interface Profile {
  readonly name: string;
  /** Total request timeout when the endpoint sets none. */
  readonly timeoutMs: number;
  /**
   * Delays in seconds between attempts; `null` uses the server's `HERALD_RETRY_SCHEDULE`, `[]`
   * means a single attempt. An endpoint's own `retrySchedule` wins over both.
   */
  readonly retrySchedule: readonly number[] | null;
  /** Every header name the profile may write; endpoints may not set these as custom headers. */
  readonly signatureHeaderNames: readonly string[];
  /**
   * Problems with an endpoint's `profileOptions`, for the API to answer 422 at write time. Each
   * `loc` starts with `['body', 'profileOptions', …]`. An empty list means the options are valid.
   */
  validateOptions(options: Record<string, unknown>): ValidationItem[];
  /**
   * Per-endpoint state. `secrets` are the endpoint's opened secrets, current first, including
   * rotated-out ones that have not expired yet: the prepared endpoint filters them by the attempt
   * time, so a cached one stays right when a rotated-out key lapses.
   */
  prepare(input: { endpoint: Endpoint; secrets: readonly SigningSecret[] }): PreparedEndpoint;
  /**
   * A rule of the product beyond Svix's filters, e.g. AtScale's slowness threshold: false keeps
   * the message from this endpoint. `endpointMatches` consults it at ingest and on replay, after
   * `filterTypes`, `channels` and `payloadFilter`. Absent: every message that passes those.
   */
  accepts?(input: ProfileAcceptInput): boolean;
  /**
   * The event types the product documents, installed by `POST /event-type/import/profile/{name}`.
   * Empty for `standard`.
   */
  readonly catalog: readonly CatalogEventType[];
}

export interface ProfileAcceptInput {
  eventType: string;
  /** The parsed payload. */
  payload: unknown;
  options: Record<string, unknown>;
}

/** One catalog entry: an event type with its payload schema (examples inside, as Svix keeps them). */
export interface CatalogEventType {
  name: string;
  description: string;
  /** JSON Schema draft 2020-12, stored as `schemas["1"]`; `examples` holds the seed's payloads. */
  schema: Record<string, unknown> & { examples: readonly Record<string, unknown>[] };
}

export interface PreparedEndpoint {
  /** The request body. Must depend only on its input, so every retry sends the same bytes. */
  body(input: ProfileBodyInput): string;
  /** The signature (and id/timestamp) headers of one attempt. */
  signatureHeaders(input: ProfileSignInput): Record<string, string>;
}

export interface ProfileBodyInput {
  message: Message;
  /** The stored payload text (the message's payload, known not to be expunged). */
  payload: string;
  /** The application's uid, or null when it has none. */
  appUid: string | null;
}

export interface ProfileSignInput {
  msgId: Id<'msg'>;
  /** The body `body()` returned, exactly. */
  body: string;
  attemptAt: Date;
}
