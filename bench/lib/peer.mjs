import { serve } from './rpc.mjs';
import { startIngest, webhookSender } from './webhook.mjs';

/**
 * The frame of a hand-written peer dispatcher (bench/peers/*.mjs), run as a child of the
 * orchestrator. Environment:
 *   PEER_TARGET       the one endpoint every message goes to (the bench's receiver)
 *   PEER_SECRET       its signing secret (whsec_…)
 *   PEER_TOKEN        the bearer token of the ingest route
 *   PEER_CONCURRENCY  requests in flight to the endpoint (Herald's default per endpoint: 10)
 *
 * `queue({ deliver, concurrency })` builds the peer on its queue library and resolves to
 * `{ enqueue(message), stats(), close() }`: `enqueue` must resolve once the message is stored
 * (the 202 waits for it); the peer's workers call `deliver(message)`, which signs, POSTs and
 * throws unless the answer is 2xx. `close` is called over RPC before the orchestrator stops the
 * process, to drop the peer's queue state.
 */
export async function runPeer(queue) {
  const concurrency = Number(process.env.PEER_CONCURRENCY ?? 10);
  const sender = webhookSender({ targetUrl: process.env.PEER_TARGET, secret: process.env.PEER_SECRET, connections: concurrency });
  let accepted = 0;
  let delivered = 0;
  let failedAttempts = 0;
  const deliver = async (message) => {
    try {
      await sender.send(message);
      delivered++;
    } catch (err) {
      failedAttempts++;
      throw err;
    }
  };
  const peer = await queue({ deliver, concurrency });
  const enqueue = async (message) => {
    await peer.enqueue(message);
    accepted++;
  };
  const { server, url } = await startIngest({ token: process.env.PEER_TOKEN ?? '', accept: enqueue });
  serve(
    {
      stats: async () => ({ accepted, delivered, failedAttempts, ...(await peer.stats()) }),
      async close() {
        server.close();
        await peer.close();
        await sender.close();
        return { ok: true };
      },
    },
    { url, pid: process.pid },
  );
}
