/**
 * The SQLite schema, as forward-only numbered migrations (`migrate.ts` applies them at open).
 * They live in a TS module rather than `.sql` files because the build copies only `.ts` to
 * `dist/`. One number is one logical change, the same number as in the PostgreSQL driver.
 *
 * Conventions:
 * - Every tenant-owned table carries `app_id`, and every index over one starts with it (DESIGN
 *   §6 cells: a cell is a database, and every query already names the application). The
 *   organisation-wide tables (`event_types`, `settings`, `idempotency_keys`, `tasks`) have no
 *   application; `portal_tokens` is keyed by the token hash because authentication starts there.
 * - Times are integer milliseconds since the epoch; JSON values are TEXT; booleans 0/1.
 * - `messages.payload` is the payload's JSON text exactly as received: the bytes sent on every
 *   attempt, never re-serialised.
 * - `deliveries.status` is Svix's MessageStatus: 0 success, 1 pending, 2 fail, 3 sending,
 *   4 canceled. The two partial indexes hold only pending and sending rows, so they stay as small
 *   as the live queue however many finished deliveries the table keeps.
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
  id          TEXT PRIMARY KEY,
  uid         TEXT,
  name        TEXT NOT NULL,
  rate_limit  INTEGER,
  metadata    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX applications_uid ON applications (uid) WHERE uid IS NOT NULL;

CREATE TABLE event_types (
  name          TEXT PRIMARY KEY,
  description   TEXT NOT NULL,
  archived      INTEGER NOT NULL,
  deprecated    INTEGER NOT NULL,
  schemas       TEXT,
  feature_flag  TEXT,
  group_name    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE endpoints (
  app_id           TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  id               TEXT NOT NULL,
  uid              TEXT,
  url              TEXT NOT NULL,
  description      TEXT NOT NULL,
  version          INTEGER NOT NULL,
  disabled         INTEGER NOT NULL,
  filter_types     TEXT,
  channels         TEXT,
  rate_limit       INTEGER,
  metadata         TEXT NOT NULL,
  headers          TEXT NOT NULL,
  secrets          TEXT NOT NULL,
  profile          TEXT NOT NULL,
  profile_options  TEXT NOT NULL,
  payload_filter   TEXT,
  timeout_ms       INTEGER,
  retry_schedule   TEXT,
  max_concurrency  INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  PRIMARY KEY (app_id, id)
);
CREATE UNIQUE INDEX endpoints_uid ON endpoints (app_id, uid) WHERE uid IS NOT NULL;

CREATE TABLE messages (
  app_id              TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  id                  TEXT NOT NULL,
  event_type          TEXT NOT NULL,
  event_id            TEXT,
  payload             TEXT,
  channels            TEXT,
  tags                TEXT,
  created_at          INTEGER NOT NULL,
  payload_expires_at  INTEGER,
  PRIMARY KEY (app_id, id)
);
CREATE UNIQUE INDEX messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;

CREATE TABLE deliveries (
  app_id           TEXT NOT NULL,
  msg_id           TEXT NOT NULL,
  endpoint_id      TEXT NOT NULL,
  status           INTEGER NOT NULL,
  attempt_count    INTEGER NOT NULL,
  next_attempt_at  INTEGER,
  lease_until      INTEGER,
  trigger_type     INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  PRIMARY KEY (app_id, msg_id, endpoint_id),
  FOREIGN KEY (app_id, msg_id) REFERENCES messages (app_id, id) ON DELETE CASCADE,
  FOREIGN KEY (app_id, endpoint_id) REFERENCES endpoints (app_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
-- claim-due.ts: one probe per endpoint for its earliest due rows.
CREATE INDEX deliveries_due ON deliveries (app_id, endpoint_id, next_attempt_at) WHERE status = 1;
-- reap-leases.ts: only in-flight rows, so a full scan of it is a scan of the batch in flight.
CREATE INDEX deliveries_sending ON deliveries (app_id, lease_until) WHERE status = 3;
-- listing by endpoint, stats, recover, and the endpoint's cascade delete.
CREATE INDEX deliveries_by_endpoint ON deliveries (app_id, endpoint_id, msg_id);

CREATE TABLE attempts (
  app_id                TEXT NOT NULL,
  id                    TEXT NOT NULL,
  msg_id                TEXT NOT NULL,
  endpoint_id           TEXT NOT NULL,
  url                   TEXT NOT NULL,
  response              TEXT NOT NULL,
  response_status_code  INTEGER NOT NULL,
  response_headers      TEXT,
  request_headers       TEXT,
  response_duration_ms  INTEGER NOT NULL,
  status                INTEGER NOT NULL,
  trigger_type          INTEGER NOT NULL,
  created_at            INTEGER NOT NULL,
  PRIMARY KEY (app_id, id),
  FOREIGN KEY (app_id, msg_id) REFERENCES messages (app_id, id) ON DELETE CASCADE,
  FOREIGN KEY (app_id, endpoint_id) REFERENCES endpoints (app_id, id) ON DELETE CASCADE
);
CREATE INDEX attempts_by_endpoint ON attempts (app_id, endpoint_id, id);
CREATE INDEX attempts_by_msg ON attempts (app_id, msg_id, id);

CREATE TABLE portal_tokens (
  token_hash  TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  expires_at  INTEGER NOT NULL,
  read_only   INTEGER NOT NULL
);
CREATE INDEX portal_tokens_app ON portal_tokens (app_id, expires_at);

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);

CREATE TABLE idempotency_keys (
  key           TEXT PRIMARY KEY,
  state         TEXT NOT NULL CHECK (state IN ('in-progress', 'done')),
  status_code   INTEGER,
  body          TEXT,
  content_type  TEXT,
  created_at    INTEGER NOT NULL
);

CREATE TABLE tasks (
  id          TEXT PRIMARY KEY,
  task        TEXT NOT NULL,
  status      TEXT NOT NULL,
  data        TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);
`,
  },
  {
    // Endpoint limits enforced by the claim (claim-due.ts). With one writer the claim counts the
    // endpoint's unexpired leases exactly, through this index, and keeps the rate bucket in
    // `endpoint_rates`. PostgreSQL's migration 2 has the same bucket table plus lease slots,
    // which its concurrent claimers need.
    version: 2,
    name: 'endpoint_limits',
    sql: `
CREATE INDEX deliveries_in_flight ON deliveries (app_id, endpoint_id, lease_until) WHERE status = 3;

CREATE TABLE endpoint_rates (
  app_id       TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  tokens       REAL NOT NULL,
  refilled_at  INTEGER NOT NULL,
  PRIMARY KEY (app_id, endpoint_id),
  FOREIGN KEY (app_id, endpoint_id) REFERENCES endpoints (app_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
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
