import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { HeraldMetrics, MetricsJson } from '../metrics/metrics.js';
import type { Store } from '../store/driver.js';
import type { QueuedSignal } from '../store/queued-signal.js';
import { Requests, type DeliveryThreadData, type FromDelivery, type ToDelivery } from './protocol.js';
import { RelayHost } from './relay-bridge.js';

export interface DeliveryThreadDeps {
  config: Config;
  dataDir: string;
  masterKey: Buffer;
  /** The buffer the API thread's SQLite store was opened with (`sqlite/thread-lock.ts`). */
  threadLock: SharedArrayBuffer;
  /** The API thread's store: its queueing writes wake the delivery thread. */
  store: Store;
  /** Raised when the delivery thread changed configuration (joined to the API's store signals). */
  configWritten: QueuedSignal;
  metrics: HeraldMetrics;
  logger: Logger;
}

/**
 * Runs the delivery side (`delivery-side.ts`) in a worker thread of a Herald on SQLite (`main.ts`),
 * so that sending does not queue behind ingest on one event loop. Both threads write the same
 * file through their own connections (WAL: reads never wait; writes take turns through the
 * process's thread lock, `store/sqlite/thread-lock.ts`, each multi-statement write being one
 * IMMEDIATE transaction).
 *
 * Measured (bench quick passes, 2026-11-30, quiet 2-core VM, paired): before the split, delivery
 * got about one event-loop turn in five while ingest ran, 779 deliveries/s while the clients
 * sent against 3,313/s once they stopped; after it 1,582/s while sending (ingest 4,355 → 6,236/s
 * in the same pair). `bench/RESULTS.md` has the rest.
 *
 * A thread that fails or exits unasked takes the process down (`onCrash`): deliveries are in the
 * store, and a restarted Herald sends whatever was in flight again (at least once).
 */
export async function startDeliveryThread(deps: DeliveryThreadDeps, onCrash: (err: Error) => void): Promise<{ stop(): Promise<void> }> {
  const data: DeliveryThreadData = { config: deps.config, dataDir: deps.dataDir, masterKey: new Uint8Array(deps.masterKey), threadLock: deps.threadLock };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  const post = (message: ToDelivery): void => worker.postMessage(message);
  const relay = new RelayHost(post);
  const metricsReads = new Requests<MetricsJson>();
  let stopping = false;
  let exited = false;
  let stopped: () => void = () => {};
  const done = new Promise<void>((resolve) => (stopped = resolve));
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));

  worker.on('message', (message: FromDelivery) => {
    switch (message.type) {
      case 'ready':
        return ready();
      case 'config-written':
        return deps.configWritten.emit();
      case 'relay-send':
        return relay.send(message.id, message.params);
      case 'relay-abort':
        return relay.abort(message.id);
      case 'metrics':
        return metricsReads.settle(message.id, message.metrics);
      case 'stopped':
        return stopped();
    }
  });
  const crashed = new Promise<never>((_, reject) => {
    worker.on('error', reject);
    worker.on('exit', (code) => {
      exited = true;
      metricsReads.settleAll([]);
      if (stopping) stopped();
      else reject(new Error(`the delivery thread exited (code ${code})`));
    });
  });
  const unsubscribe = deps.store.onDeliveriesQueued(() => post({ type: 'queued' }));
  deps.metrics.addSource(() => {
    if (exited) return Promise.resolve([]);
    const { id, answer } = metricsReads.open();
    post({ type: 'metrics-read', id });
    return answer;
  });

  await Promise.race([started, crashed]);
  crashed.catch((err: Error) => {
    if (!stopping) onCrash(err);
  });
  return {
    stop: async () => {
      stopping = true;
      unsubscribe();
      post({ type: 'stop' });
      await done;
    },
  };
}
