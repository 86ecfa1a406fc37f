import PgBoss from 'pg-boss';
import { runPeer } from '../lib/peer.mjs';

/**
 * The webhook dispatcher a Node team writes on pg-boss (PostgreSQL) when it has no Herald: the
 * ingest route sends one job per message (the 202 waits for the INSERT), and `concurrency`
 * workers (`boss.work`) each fetch up to `PEER_BATCH` due jobs (default 100; pg-boss polls every
 * 0.5 s at the least, its minimum, unless a batch took longer) and sign and POST them one after
 * another, so that `concurrency` requests are in flight at most. A failed attempt is marked
 * failed on its own (`boss.fail`), the rest of the batch completes; pg-boss retries it with
 * exponential backoff (retryDelay 5 s, 7 retries). Queue defaults otherwise (pool of 10).
 *
 *   PEER_DATABASE_URL (required; a database of its own), and lib/peer.mjs's.
 */
const name = 'webhooks';
const batchSize = Number(process.env.PEER_BATCH ?? 100);
const sendOptions = { retryLimit: 7, retryDelay: 5, retryBackoff: true };

await runPeer(async ({ deliver, concurrency }) => {
  const boss = new PgBoss({ connectionString: process.env.PEER_DATABASE_URL });
  boss.on('error', () => {}); // maintenance errors (e.g. during shutdown) are pg-boss's to retry
  await boss.start();
  await boss.createQueue(name);
  const work = async (jobs) => {
    const failed = [];
    for (const job of jobs) {
      try {
        await deliver(job.data);
      } catch {
        failed.push(job.id);
      }
    }
    // The jobs not failed here are completed by pg-boss when this returns.
    if (failed.length > 0) await boss.fail(name, failed, { message: 'delivery failed' });
  };
  for (let i = 0; i < concurrency; i++) await boss.work(name, { batchSize, pollingIntervalSeconds: 0.5 }, work);
  return {
    enqueue: (message) => boss.send(name, message, sendOptions),
    stats: async () => ({ queueSize: await boss.getQueueSize(name) }),
    close: () => boss.stop({ graceful: false, wait: true }),
  };
});
