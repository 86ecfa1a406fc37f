import type { Database } from 'better-sqlite3';
import { UnavailableError } from '../../domain/errors.js';
import type { MessageInsertParams } from '../driver.js';
import { translateError } from './errors.js';
import { messageColumns, messageParams, placeholders } from './rows.js';

interface PendingInsert {
  params: MessageInsertParams;
  resolve: () => void;
  reject: (err: unknown) => void;
}

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
 * Each call runs inside its own SAVEPOINT: a duplicate `eventId` (or any other failure of that
 * call) rolls back only that call and rejects only its promise, and the others resolve after the
 * single COMMIT. A call's items share its savepoint, so a `/msg/batch` of 1,000 is all or nothing.
 * Should the COMMIT itself fail (disk full, I/O error), every call of the batch is rejected:
 * nothing of it was accepted.
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

  constructor(private readonly db: Database) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT message_insert');
    this.release = db.prepare('RELEASE message_insert');
    this.rollbackTo = db.prepare('ROLLBACK TO message_insert');
    this.insertMessage = db.prepare(`INSERT INTO messages (${messageColumns}) VALUES (${placeholders(messageColumns)})`);
    // Deliveries are created only for endpoints that still exist: one deleted between matching
    // and this commit is skipped instead of failing the ingest. One statement per message,
    // whatever its fan-out; a repeated endpoint id is written once.
    this.insertDeliveries = db.prepare(
      `INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, lease_until, trigger_type, updated_at)
       SELECT e.app_id, ?, e.id, 1, 0, ?, NULL, 0, ? FROM endpoints e
       WHERE e.app_id = ? AND e.id IN (SELECT value FROM json_each(?))
       ON CONFLICT DO NOTHING`,
    );
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
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const failures = new Array<unknown>(batch.length);
    try {
      this.begin.run();
      for (let i = 0; i < batch.length; i++) {
        this.savepoint.run();
        try {
          this.write(batch[i]!.params);
          this.release.run();
        } catch (err) {
          // Errors such as SQLITE_FULL end the whole transaction: then nothing of the batch
          // stands, and the outer catch rejects every call.
          if (!this.db.inTransaction) throw err;
          this.rollbackTo.run();
          this.release.run();
          failures[i] = translateError(err);
        }
      }
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

  private write(p: MessageInsertParams): void {
    const now = p.now.getTime();
    for (const { message, endpointIds } of p.items) {
      this.insertMessage.run(messageParams(message));
      if (endpointIds.length > 0) {
        this.insertDeliveries.run(message.id, now, now, message.appId, JSON.stringify(endpointIds));
      }
    }
  }
}
