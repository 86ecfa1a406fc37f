/**
 * The PostgreSQL schema, as forward-only numbered migrations (`migrate.ts` applies them at open).
 * One number is one logical change, the same number as in the SQLite driver
 * (`src/store/sqlite/migrations.ts`): version 1 here is the same tables, keys and indexes.
 *
 * Conventions, and where they differ from SQLite:
 * - Every tenant-owned table carries `app_id`, and every index over one starts with it (DESIGN §6
 *   cells). The organisation-wide tables (`event_types`, `settings`, `idempotency_keys`, `tasks`)
 *   have no application; `portal_tokens` is keyed by the token hash, as in SQLite.
 * - Times are `timestamptz`, not integer milliseconds: they read as times in psql, compare with
 *   `now()` and intervals, and are what range partitioning of attempts and messages by time
 *   (DESIGN §6) will key on. A JS `Date` (milliseconds) round-trips exactly (microsecond storage);
 *   `pg` parses them back to `Date`.
 * - JSON values are `jsonb` (metadata, headers, filters, schemas, attempt headers, task data):
 *   `pg` parses them on read. jsonb does not keep key order or insignificant spaces, which none of
 *   these values depend on; it rejects the `\u0000` escape (see `errors.ts`).
 * - `messages.payload` is TEXT, never jsonb: the payload's JSON text exactly as received, the
 *   bytes sent on every attempt.
 * - Identifiers and other keys compared or ordered as strings are `COLLATE "C"`: ids are
 *   time-sortable only in byte order (base62 in ASCII order), and paging iterators, id-range time
 *   filters and the `'~'` upper bound rely on it, as SQLite's BINARY collation gives. A database
 *   created with a linguistic default collation (en_US.UTF-8 sorts `a` before `B`) would
 *   otherwise order ids wrongly. "C" comparisons are also the cheapest.
 * - Booleans are `boolean`; statuses and triggers `smallint`.
 * - `deliveries.status` is Svix's MessageStatus: 0 success, 1 pending, 2 fail, 3 sending,
 *   4 canceled. The two partial indexes hold only pending and sending rows, so they stay as small
 *   as the live queue however many finished deliveries the table keeps. `deliveries_due` carries
 *   `msg_id` explicitly: SQLite's WITHOUT ROWID index has the primary key as its implicit suffix,
 *   PostgreSQL's does not, and the claim orders by (next_attempt_at, msg_id) inside an endpoint.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE applications (
  id          text COLLATE "C" PRIMARY KEY,
  uid         text COLLATE "C",
  name        text NOT NULL,
  rate_limit  integer,
  metadata    jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX applications_uid ON applications (uid) WHERE uid IS NOT NULL;

CREATE TABLE event_types (
  name          text COLLATE "C" PRIMARY KEY,
  description   text NOT NULL,
  archived      boolean NOT NULL,
  deprecated    boolean NOT NULL,
  schemas       jsonb,
  feature_flag  text,
  group_name    text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);

CREATE TABLE endpoints (
  app_id           text COLLATE "C" NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  id               text COLLATE "C" NOT NULL,
  uid              text COLLATE "C",
  url              text NOT NULL,
  description      text NOT NULL,
  version          integer NOT NULL,
  disabled         boolean NOT NULL,
  filter_types     jsonb,
  channels         jsonb,
  rate_limit       integer,
  metadata         jsonb NOT NULL,
  headers          jsonb NOT NULL,
  secrets          text NOT NULL,
  profile          text NOT NULL,
  profile_options  jsonb NOT NULL,
  payload_filter   jsonb,
  timeout_ms       integer,
  retry_schedule   jsonb,
  max_concurrency  integer,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (app_id, id)
);
CREATE UNIQUE INDEX endpoints_uid ON endpoints (app_id, uid) WHERE uid IS NOT NULL;

CREATE TABLE messages (
  app_id              text COLLATE "C" NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  id                  text COLLATE "C" NOT NULL,
  event_type          text COLLATE "C" NOT NULL,
  event_id            text COLLATE "C",
  payload             text,
  channels            jsonb,
  tags                jsonb,
  created_at          timestamptz NOT NULL,
  payload_expires_at  timestamptz,
  PRIMARY KEY (app_id, id)
);
CREATE UNIQUE INDEX messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;

CREATE TABLE deliveries (
  app_id           text COLLATE "C" NOT NULL,
  msg_id           text COLLATE "C" NOT NULL,
  endpoint_id      text COLLATE "C" NOT NULL,
  status           smallint NOT NULL,
  attempt_count    integer NOT NULL,
  next_attempt_at  timestamptz,
  lease_until      timestamptz,
  trigger_type     smallint NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (app_id, msg_id, endpoint_id),
  FOREIGN KEY (app_id, msg_id) REFERENCES messages (app_id, id) ON DELETE CASCADE,
  FOREIGN KEY (app_id, endpoint_id) REFERENCES endpoints (app_id, id) ON DELETE CASCADE
);
-- claim-due.ts: one probe per endpoint for its earliest due rows, already in claim order.
CREATE INDEX deliveries_due ON deliveries (app_id, endpoint_id, next_attempt_at, msg_id) WHERE status = 1;
-- reap-leases.ts: only in-flight rows, so a full scan of it is a scan of the batch in flight.
CREATE INDEX deliveries_sending ON deliveries (app_id, lease_until) WHERE status = 3;
-- listing by endpoint, stats, recover, and the endpoint's cascade delete.
CREATE INDEX deliveries_by_endpoint ON deliveries (app_id, endpoint_id, msg_id);

CREATE TABLE attempts (
  app_id                text COLLATE "C" NOT NULL,
  id                    text COLLATE "C" NOT NULL,
  msg_id                text COLLATE "C" NOT NULL,
  endpoint_id           text COLLATE "C" NOT NULL,
  url                   text NOT NULL,
  response              text NOT NULL,
  response_status_code  integer NOT NULL,
  response_headers      jsonb,
  request_headers       jsonb,
  response_duration_ms  integer NOT NULL,
  status                smallint NOT NULL,
  trigger_type          smallint NOT NULL,
  created_at            timestamptz NOT NULL,
  PRIMARY KEY (app_id, id),
  FOREIGN KEY (app_id, msg_id) REFERENCES messages (app_id, id) ON DELETE CASCADE,
  FOREIGN KEY (app_id, endpoint_id) REFERENCES endpoints (app_id, id) ON DELETE CASCADE
);
CREATE INDEX attempts_by_endpoint ON attempts (app_id, endpoint_id, id);
CREATE INDEX attempts_by_msg ON attempts (app_id, msg_id, id);

CREATE TABLE portal_tokens (
  token_hash  text COLLATE "C" PRIMARY KEY,
  app_id      text COLLATE "C" NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  read_only   boolean NOT NULL
);
CREATE INDEX portal_tokens_app ON portal_tokens (app_id, expires_at);

CREATE TABLE settings (
  key    text COLLATE "C" PRIMARY KEY,
  value  text NOT NULL
);

CREATE TABLE idempotency_keys (
  key           text COLLATE "C" PRIMARY KEY,
  state         text NOT NULL CHECK (state IN ('in-progress', 'done')),
  status_code   integer,
  body          text,
  content_type  text,
  created_at    timestamptz NOT NULL
);

CREATE TABLE tasks (
  id          text COLLATE "C" PRIMARY KEY,
  task        text NOT NULL,
  status      text NOT NULL,
  data        jsonb NOT NULL,
  updated_at  timestamptz NOT NULL
);
`,
  },
  {
    // Endpoint limits across processes (claim-due.ts). Counting an endpoint's leased deliveries
    // cannot cap concurrent claims: each statement counts in its own snapshot, so two workers
    // claiming at once would both see room for all of it. Instead a claim takes one of the
    // endpoint's `maxConcurrency` slot rows per delivery (upserted under its row lock, so a slot
    // is held by one lease at a time); a slot is free once its lease ends or the outcome frees
    // it, so a killed worker's slots come back with its leases and nothing needs counting or
    // repair. The rate bucket is one row per endpoint, charged under the same kind of row lock.
    // Deliveries already sending when this migration runs hold no slot: for at most one lease
    // their endpoint may exceed its limit.
    version: 2,
    name: 'endpoint_limits',
    sql: `
CREATE TABLE endpoint_slots (
  app_id       text COLLATE "C" NOT NULL,
  endpoint_id  text COLLATE "C" NOT NULL,
  slot         integer NOT NULL,
  msg_id       text COLLATE "C",
  lease_until  timestamptz,
  PRIMARY KEY (app_id, endpoint_id, slot),
  FOREIGN KEY (app_id, endpoint_id) REFERENCES endpoints (app_id, id) ON DELETE CASCADE
);

CREATE TABLE endpoint_rates (
  app_id       text COLLATE "C" NOT NULL,
  endpoint_id  text COLLATE "C" NOT NULL,
  tokens       double precision NOT NULL,
  refilled_at  timestamptz NOT NULL,
  -- what the latest claim was granted, read back through the claim's RETURNING
  granted      integer NOT NULL,
  PRIMARY KEY (app_id, endpoint_id),
  FOREIGN KEY (app_id, endpoint_id) REFERENCES endpoints (app_id, id) ON DELETE CASCADE
);
`,
  },
  {
    // Maintenance (src/maintenance/): the retention purge finds messages whose own
    // `payloadRetentionPeriod` ran out through an index holding only those that set one (a purged
    // row leaves it), and idempotency keys past their window by their age.
    version: 3,
    name: 'maintenance',
    sql: `
CREATE INDEX messages_payload_expiry ON messages (app_id, payload_expires_at) WHERE payload_expires_at IS NOT NULL;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
`,
  },
];
