import type { Database } from 'better-sqlite3';
import { ConflictError, UnavailableError } from '../../domain/errors.js';
import type { MessageInsertParams } from '../driver.js';
import { translateError } from './errors.js';
import { messageColumns, messageParams, placeholders } from './rows.js';
import type { ThreadLock } from './thread-lock.js';
import { ValuesStatement } from './values-batch.js';

interface PendingInsert {
  params: MessageInsertParams;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const deliveryInsertColumns = 'app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, lease_until, trigger_type, updated_at';

/**
 * Ingest with group commit. A message is accepted only once it and its deliveries are on disk
 * (WAL, `synchronous=FULL`), so every commit costs an fsync. better-sqlite3 is synchronous: while
 * one commit waits for its fsync the event loop is blocked, requests keep arriving on the socket,
 * and their handlers run right after. So calls are not written when made but queued, and the
 * queue is flushed on the next `setImmediate`: everything that piled up shares one transaction
 * and one fsync. Under load the batch grows by itself with the fsync time; when idle a call waits
 * one turn of the event loop. On the shared 2-core dev VM (fsync 0.8 to 1.2 ms, so one commit per
 * call would cap ingest near 1,000 messages/s): 5,000 concurrent one-message calls went in at
 * 32,000 to 39,000 messages/s, and batches of 1,000 at 36,000 to 60,000 messages/s while the
 * store grew to 1,000,000 messages (the machine was shared, hence the spread).
 *
 * A flush writes every call's messages with one multi-row INSERT … ON CONFLICT DO NOTHING, and
 * every delivery with one more (each in chunks of 64 rows). When fewer messages went in than were
 * given, some call had a duplicate `eventId` (in the app, or in a call earlier in the same flush):
 * the insert is rolled back to the savepoint and run again with RETURNING id, and a call some of
 * whose messages came back not inserted is refused (ConflictError) and the messages it did insert
 * are deleted; the others get their deliveries. (RETURNING only on that path: on the 2-core dev
 * VM, the INSERT of 4,000-message flushes took 2.7 to 4.0 µs a message without it, 4.3 to 5.7 µs
 * with it, one row object per message.) A call's items stand or fall together, so a `/msg/batch`
 * of 1,000 is all or nothing. Any other failure of that path (an application deleted meanwhile:
 * a foreign key) rolls it back to its savepoint and the flush is written again call by call, each
 * call in its own SAVEPOINT, so that the failure rejects only its call. Should the COMMIT itself fail
 * (disk full, I/O error), every call of the flush is rejected: nothing of it was accepted.
 *
 * Measured (bench quick pass of 2026-11-23 20:48, 50 clients of one-message calls): the call-by-
 * call path cost 4 statements per message plus BEGIN/COMMIT per flush (SAVEPOINT, INSERT message,
 * INSERT deliveries, RELEASE); the flush-wide path costs 6 per flush whatever its size.
 */
export class MessageInsertQueue {
  private queue: PendingInsert[] = [];
  private scheduled = false;
  private closed = false;
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  private readonly savepoint;
  private readonly release;
  private readonly rollbackTo;
  private readonly insertMessage;
  private readonly insertDeliveries;
  private readonly insertMessages;
  private readonly insertMessagesReturning;
  private readonly insertDeliveryRows;
  private readonly deleteMessages;

  constructor(
    private readonly db: Database,
    private readonly lock: ThreadLock,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT message_insert');
    this.release = db.prepare('RELEASE message_insert');
    this.rollbackTo = db.prepare('ROLLBACK TO message_insert');
    this.insertMessage = db.prepare(`INSERT INTO messages (${messageColumns}) VALUES (${placeholders(messageColumns)})`);
    // Deliveries are created only for endpoints that still exist: one deleted between matching
    // and this commit is skipped instead of failing the ingest. A repeated endpoint id is written
    // once.
    this.insertDeliveries = db.prepare(
      `INSERT INTO deliveries (${deliveryInsertColumns})
       SELECT e.app_id, ?, e.id, 1, 0, ?, NULL, 0, ? FROM endpoints e
       WHERE e.app_id = ? AND e.id IN (SELECT value FROM json_each(?))
       ON CONFLICT DO NOTHING`,
    );
    const insertMessages = (returning: string) => new ValuesStatement(db, messageColumns.split(',').length, (values) => `INSERT INTO messages (${messageColumns}) VALUES ${values} ON CONFLICT DO NOTHING${returning}`);
    this.insertMessages = insertMessages('');
    this.insertMessagesReturning = insertMessages(' RETURNING id');
    this.insertDeliveryRows = new ValuesStatement(
      db,
      4,
      (values) =>
        `WITH v (app_id, msg_id, endpoint_id, due) AS (VALUES ${values})
         INSERT INTO deliveries (${deliveryInsertColumns})
         SELECT e.app_id, v.msg_id, e.id, 1, 0, v.due, NULL, 0, v.due FROM v JOIN endpoints e ON e.app_id = v.app_id AND e.id = v.endpoint_id
         WHERE true ON CONFLICT DO NOTHING`,
    );
    this.deleteMessages = new ValuesStatement(db, 2, (values) => `DELETE FROM messages WHERE (app_id, id) IN (VALUES ${values})`);
  }

  insert(params: MessageInsertParams): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError('the store is closed'));
    if (params.items.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ params, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Writes what is queued, then refuses new calls (the connection is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private readonly flush = (): void => {
    this.lock.hold(this.flushHeld);
  };

  private readonly flushHeld = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let failures: unknown[];
    try {
      this.begin.run();
      failures = this.writeBatch(batch);
      this.commit.run();
    } catch (err) {
      if (this.db.inTransaction) {
        try {
          this.rollback.run();
        } catch {
          // The connection is broken; nothing of the batch was committed either way, and every
          // promise must still settle.
        }
      }
      const failure = translateError(err);
      for (const call of batch) call.reject(failure);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const failure = failures[i];
      if (failure === undefined) batch[i]!.resolve();
      else batch[i]!.reject(failure);
    }
  };

  /** The flush-wide path, or call by call when it fails; each call's failure, if any. */
  private writeBatch(batch: PendingInsert[]): unknown[] {
    // Errors such as SQLITE_FULL end the whole transaction: then nothing of the batch stands,
    // and the caller rejects every call (`inSavepoint` rethrows them).
    return this.inSavepoint(
      () => this.writeTogether(batch),
      () => batch.map((call) => this.writeOne(call.params)),
    );
  }

  private writeTogether(batch: PendingInsert[]): unknown[] {
    const rows = batch.flatMap((call) => call.params.items.map((item) => messageParams(item.message)));
    const inserted = this.insertAll(rows);
    const failures = new Array<unknown>(batch.length);
    const deliveries: unknown[][] = [];
    const undo: unknown[][] = [];
    batch.forEach((call, i) => {
      const { items, now } = call.params;
      if (inserted === 'all' || items.every((item) => inserted.has(item.message.id))) {
        for (const { message, endpointIds } of items) {
          for (const endpointId of new Set(endpointIds)) deliveries.push([message.appId, message.id, endpointId, now.getTime()]);
        }
        return;
      }
      failures[i] = new ConflictError('a message with this eventId already exists in this application');
      for (const { message } of items) if (inserted.has(message.id)) undo.push([message.appId, message.id]);
    });
    this.deleteMessages.run(undo);
    this.insertDeliveryRows.run(deliveries);
    return failures;
  }

  /** Inserts the message rows: 'all' when every one went in, else the ids of those that did. */
  private insertAll(rows: unknown[][]): 'all' | Set<string> {
    if (this.insertMessages.run(rows) === rows.length) return 'all';
    this.rollbackTo.run();
    return new Set((this.insertMessagesReturning.all(rows) as { id: string }[]).map((r) => r.id));
  }

  /** One call in its own savepoint: its failure rolls back only its messages. */
  private writeOne(p: MessageInsertParams): unknown {
    const now = p.now.getTime();
    return this.inSavepoint((): unknown => {
      for (const { message, endpointIds } of p.items) {
        this.insertMessage.run(messageParams(message));
        if (endpointIds.length > 0) this.insertDeliveries.run(message.id, now, now, message.appId, JSON.stringify(endpointIds));
      }
      return undefined;
    }, translateError);
  }

  /**
   * Runs `work` inside the savepoint. When it fails and the transaction is still open, rolls back
   * to the savepoint and answers `recover(err)`; a failure that ended the transaction is rethrown.
   */
  private inSavepoint<T>(work: () => T, recover: (err: unknown) => T): T {
    this.savepoint.run();
    try {
      const result = work();
      this.release.run();
      return result;
    } catch (err) {
      if (!this.db.inTransaction) throw err;
      this.rollbackTo.run();
      this.release.run();
      return recover(err);
    }
  }
}
