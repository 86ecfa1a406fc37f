import { Queue, Worker } from 'bullmq';
import { runPeer } from '../lib/peer.mjs';

/**
 * The webhook dispatcher a Node team writes on BullMQ (Redis) when it has no Herald: the ingest
 * route adds one job per message (the 202 waits for Redis to take it), a Worker in the same
 * process signs and POSTs it with `concurrency` jobs at a time, and a failed attempt is retried
 * by BullMQ with exponential backoff (5 s, 10 s, 20 s, … 8 attempts in all); completed jobs are
 * removed, failed ones kept. Redis as configured on the machine (no AOF: a job is in memory,
 * not on disk, when the 202 goes out; Herald's SQLite store fsyncs first).
 *
 *   REDIS_URL (default redis://127.0.0.1:6379), PEER_QUEUE (default a fresh name), and lib/peer.mjs's.
 */
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
const name = process.env.PEER_QUEUE ?? `bench-webhooks-${process.pid}`;
const jobOptions = { attempts: 8, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: true, removeOnFail: false };

await runPeer(async ({ deliver, concurrency }) => {
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, (job) => deliver(job.data), { connection, concurrency });
  worker.on('error', () => {}); // connection hiccups are retried by BullMQ itself
  return {
    enqueue: (message) => queue.add('webhook', message, jobOptions),
    stats: async () => ({ counts: await queue.getJobCounts('waiting', 'active', 'delayed', 'failed') }),
    async close() {
      await worker.close(true);
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
});
