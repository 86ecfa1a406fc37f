import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ThreadLock } from './thread-lock.js';

/**
 * Another thread takes the lock's cell (0 free, 1 held), keeps it 150 ms, and before releasing
 * counts its releases in the second cell; `hold` on this thread must run its work only after that.
 */
const holderSource = `
const { workerData, parentPort } = require('node:worker_threads');
const cell = new Int32Array(workerData.lock);
const releases = new Int32Array(workerData.releases);
while (Atomics.compareExchange(cell, 0, 0, 1) !== 0) Atomics.wait(cell, 0, 1, 50);
parentPort.postMessage('held');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
Atomics.add(releases, 0, 1);
Atomics.store(cell, 0, 0);
Atomics.notify(cell, 0, 1);
`;

describe('ThreadLock', () => {
  it('waits while another thread holds the cell and runs at once when it is released', async () => {
    const shared = ThreadLock.buffer();
    const releases = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(holderSource, { eval: true, workerData: { lock: shared, releases: releases.buffer } });
    await new Promise((resolve) => worker.once('message', resolve));
    const lock = new ThreadLock(shared);
    const started = performance.now();
    const seen = lock.hold(() => Atomics.load(releases, 0));
    const waited = performance.now() - started;
    expect(seen).toBe(1);
    expect(waited).toBeGreaterThan(100);
    // Released: the cell is free again, and a nested hold on the same thread does not wait for itself.
    expect(lock.hold(() => lock.hold(() => 'nested'))).toBe('nested');
    expect(Atomics.load(new Int32Array(shared), 0)).toBe(0);
    await worker.terminate();
  });

  it('releases the cell when the work throws', () => {
    const shared = ThreadLock.buffer();
    const lock = new ThreadLock(shared);
    expect(() => lock.hold(() => { throw new Error('boom'); })).toThrow('boom');
    expect(Atomics.load(new Int32Array(shared), 0)).toBe(0);
  });
});
