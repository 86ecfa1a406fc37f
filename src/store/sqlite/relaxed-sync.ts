import type { Database } from 'better-sqlite3';

/**
 * Wraps a write so that it commits with `synchronous=NORMAL` instead of the connection's FULL.
 *
 * Only for the dispatcher's writes, whose loss is harmless: in WAL mode a NORMAL commit survives
 * a process crash and can be lost only to a power cut, and what is lost then is a move from
 * pending to sending (or back), which leaves the delivery pending and due, exactly the state the
 * lease reaper would restore; or an outcome, which leaves the delivery leased until the reaper
 * returns it for another send (`record-outcomes.ts`). The next FULL commit (an ingest, an outcome) fsyncs the
 * WAL up to its own frames, earlier NORMAL ones included. Each fsync costs 0.8 to 1.2 ms on the
 * 2-core dev VM (300 one-row commits: 0.8 to 1.2 ms each with FULL, 6 µs with NORMAL), time during
 * which better-sqlite3 blocks the event loop, so the claim loop no longer pays one per batch.
 * The pragma cannot change inside a transaction, hence around it.
 */
export function relaxedSync(db: Database): <A, R>(write: (arg: A) => R) => (arg: A) => R {
  const normal = db.prepare('PRAGMA synchronous = NORMAL');
  const full = db.prepare('PRAGMA synchronous = FULL');
  return (write) => (arg) => {
    normal.run();
    try {
      return write(arg);
    } finally {
      full.run();
    }
  };
}
