import { parentPort, workerData } from 'node:worker_threads';
import { SecretBox } from '../domain/secrets.js';
import { createLogger } from '../logger.js';
import { instrumentStore } from '../metrics/instrument-store.js';
import { HeraldMetrics } from '../metrics/metrics.js';
import { openStore } from '../store/open.js';
import { QueuedSignal, joinSignals } from '../store/queued-signal.js';
import { startDeliverySide } from './delivery-side.js';
import type { DeliveryThreadData, FromDelivery, ToDelivery } from './protocol.js';
import { RelayBridge } from './relay-bridge.js';

/**
 * The delivery thread's entry (`host.ts` starts it): its own connection to the store, its own
 * metrics registry (read by the API thread at each scrape), and the delivery side on top. The
 * API thread's ingests wake it (`queued`); its endpoint disables reach the API's lookup cache
 * (`config-written`).
 */
async function run(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('delivery-thread/worker.ts runs as a worker thread only');
  const { config, dataDir, masterKey, threadLock } = workerData as DeliveryThreadData;
  const post = (message: FromDelivery): void => port.postMessage(message);
  const logger = createLogger(config).child({ thread: 'delivery' });
  const metrics = new HeraldMetrics();
  const queuedByApi = new QueuedSignal();
  const opened = await openStore(config, dataDir, logger, { ownsDelivery: false, threadLock });
  const store = instrumentStore(joinSignals(opened, { queued: queuedByApi }), metrics);
  store.onConfigWritten(() => post({ type: 'config-written' }));
  const relay = new RelayBridge(post);
  const side = await startDeliverySide({ config, store, secretBox: new SecretBox(Buffer.from(masterKey)), logger, metrics, relay });

  port.on('message', (message: ToDelivery) => {
    switch (message.type) {
      case 'queued':
        queuedByApi.emit();
        break;
      case 'relay-result':
        relay.answered(message.id, message.result);
        break;
      case 'metrics-read':
        void metrics.registry.getMetricsAsJSON().then((json) => post({ type: 'metrics', id: message.id, metrics: json }));
        break;
      case 'stop':
        void side
          .stop()
          .then(() => store.close())
          .then(() => {
            post({ type: 'stopped' });
            port.close();
          });
        break;
    }
  });
  post({ type: 'ready' });
}

// A failure to start reaches the host as the worker's 'error' event, and the process exits.
await run();
