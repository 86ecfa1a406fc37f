import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { QueuedSignal } from '../queued-signal.js';
import { Db } from './db.js';

/** The NOTIFY channel; the payload is `<schema> <origin>` (schema empty for the default). */
export const deliveriesChannel = 'herald_deliveries';

export interface WakeUpsOptions {
  connectionString: string;
  applicationName: string;
  /** Stores on other schemas of the same database share the channel and ignore each other. */
  schema: string | null;
  onConnectionError?: (err: Error) => void;
}

/** The least time between two NOTIFYs of one process. */
export const notifySpacingMs = 10;

/** Reconnecting the LISTEN connection: first after this long, doubling up to `reconnectMaxMs`. */
const reconnectMinMs = 250;
const reconnectMaxMs = 5_000;

/**
 * `Store.onDeliveriesQueued` across processes: NOTIFY after commits that queued deliveries,
 * LISTEN on one dedicated connection per process that has listeners (workers; an API-only
 * process opens none).
 *
 * The NOTIFY is a statement of its own, sent right after the commit, not a `pg_notify` inside the
 * ingest statement: at commit PostgreSQL serialises every transaction that notified (one global
 * lock, held across its WAL flush), which defeats group commit. On the 2-core dev VM (PostgreSQL
 * 15, fsync on, 20 clients, 4,000 one-row autocommit inserts): 4,900 to 7,200 commits/s plain,
 * 1,050 to 2,800 with `pg_notify` in each statement, 5,700 to 6,400 with one coalesced NOTIFY in
 * flight beside them. A NOTIFY is itself a commit with a WAL flush, so they are also spaced: the
 * first commit after a quiet spell is announced at once, the ones within `notifySpacingMs` after
 * it share one NOTIFY at the end of that window. So a process sends at most 100 a second, about
 * 0.1 statement per message at 1,000 single-message ingests a second, and an isolated message
 * wakes the workers without delay (a later one in a burst waits up to 10 ms, while the workers
 * are busy with the first anyway). Listeners in this process are called at once, without the
 * round trip. A process killed between a commit and its NOTIFY leaves the delivery to the
 * workers' slow poll.
 */
export class PostgresWakeUps {
  private readonly signal = new QueuedSignal();
  private readonly tag: string;
  /** Tells this process's own notices apart: its listeners were already called. */
  private readonly origin = randomBytes(6).toString('hex');
  private readonly notifyStatement = Db.statement('notify_deliveries', `SELECT pg_notify('${deliveriesChannel}', $1)`);
  private notifyPending = false;
  private notifying = false;
  private notifyTimer: NodeJS.Timeout | null = null;
  private lastNotifyAt = -Infinity;

  private listeners = 0;
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectMs = reconnectMinMs;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly options: WakeUpsOptions,
  ) {
    this.tag = options.schema ?? '';
  }

  /** After a commit that queued deliveries. */
  queued(): void {
    this.signal.emit();
    this.notifyPending = true;
    this.sendNotify();
  }

  private sendNotify(): void {
    if (!this.notifyPending || this.notifying || this.notifyTimer !== null || this.closed) return;
    const wait = this.lastNotifyAt + notifySpacingMs - performance.now();
    if (wait > 0) {
      this.notifyTimer = setTimeout(() => {
        this.notifyTimer = null;
        this.sendNotify();
      }, wait);
      return;
    }
    this.notifyPending = false;
    this.notifying = true;
    this.lastNotifyAt = performance.now();
    this.db
      .query(this.notifyStatement, [`${this.tag} ${this.origin}`])
      .catch(() => {
        // The database is unreachable: the other workers reconnect, and are woken, when it is back.
      })
      .finally(() => {
        this.notifying = false;
        this.sendNotify();
      });
  }

  listen(listener: () => void): () => void {
    const off = this.signal.listen(listener);
    if (++this.listeners === 1 && !this.closed) this.connect(false);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      off();
      if (--this.listeners === 0) this.disconnect();
    };
  }

  close(): void {
    this.closed = true;
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
    this.disconnect();
  }

  private connect(reconnecting: boolean): void {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    this.client = client;
    // Without an 'error' listener a dropped connection would crash the process.
    client.on('error', (err) => {
      this.options.onConnectionError?.(err);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      if (n.channel !== deliveriesChannel || n.payload === undefined) return;
      const [tag, origin] = n.payload.split(' ');
      if (tag === this.tag && origin !== this.origin) this.signal.emit();
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${deliveriesChannel}`))
      .then(
        () => {
          if (this.client !== client) return;
          this.reconnectMs = reconnectMinMs;
          // Notices sent while the connection was down are lost: whatever they announced is due.
          if (reconnecting) this.signal.emit();
        },
        (err: unknown) => {
          this.options.onConnectionError?.(err as Error);
          this.lost(client);
        },
      );
  }

  /** The connection failed or ended: drop it and, while someone listens, open another later. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => {
      // Already closed.
    });
    if (this.closed || this.listeners === 0) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed && this.listeners > 0 && this.client === null) this.connect(true);
    }, this.reconnectMs);
    this.reconnectMs = Math.min(this.reconnectMs * 2, reconnectMaxMs);
  }

  private disconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    client?.end().catch(() => {
      // Already closed.
    });
  }
}
