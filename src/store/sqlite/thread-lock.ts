/**
 * The SQLite file's writer lock, as the threads of one Herald process take turns for it. The API
 * thread and the delivery thread (`src/delivery-thread/`) each have a connection to the file;
 * left to SQLite, a connection that finds the file locked sleeps in its busy handler for 1, 2, 5,
 * 10, 15, 20, 25… ms and retries, so under steady load a thread could lose several rounds in a
 * row. Measured (bench, paired quiet runs, 2026-11-30): without this lock an app's fresh message
 * waited 102 ms p99 to be sent while another app's backlog drained (13 ms with it), and latency
 * at 1,000 messages/s was 18.6 ms p50, 70 ms p99 (4.0 and 24 ms with it).
 * With this lock every store operation and every ingest flush runs while its thread holds a cell
 * of shared memory, and a waiting thread sleeps in `Atomics.wait` until the holder releases it:
 * it waits for one operation (a millisecond or so), never for a sleep schedule.
 *
 * Reads are held too: in WAL mode they do not need SQLite's lock, but holding them keeps the
 * rule one line long, and the reads that matter for speed are in the same operations as writes.
 * Re-entry from the same thread runs at once (depth count), so an operation may call another.
 * Other processes on the file (a backup, the CLI) still meet SQLite's busy timeout.
 */
export class ThreadLock {
  private readonly cell: Int32Array;
  private depth = 0;

  /** `shared`: the buffer every thread of the process was given; a fresh one for a lone thread. */
  constructor(shared: SharedArrayBuffer = ThreadLock.buffer()) {
    this.cell = new Int32Array(shared);
  }

  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  }

  hold<T>(work: () => T): T {
    if (this.depth > 0) return this.nested(work);
    // 0: free, 1: held. The timed wait only bounds a missed wake-up; notify ends it at once.
    while (Atomics.compareExchange(this.cell, 0, 0, 1) !== 0) Atomics.wait(this.cell, 0, 1, 50);
    try {
      return this.nested(work);
    } finally {
      Atomics.store(this.cell, 0, 0);
      Atomics.notify(this.cell, 0, 1);
    }
  }

  private nested<T>(work: () => T): T {
    this.depth++;
    try {
      return work();
    } finally {
      this.depth--;
    }
  }
}
