import { join } from 'node:path';
import { withDatabase } from '../lib/pg.mjs';
import { startChild } from '../lib/rpc.mjs';
import { newSecret } from '../lib/webhook.mjs';

/**
 * The peers (DESIGN.md §9): the webhook dispatcher a Node team writes by hand, on BullMQ over
 * the local Redis and on pg-boss over the local PostgreSQL (bench/peers/*.mjs). Same receiver,
 * same load and the same ingest and end-to-end runs as Herald's default scenario; requests in
 * flight to the endpoint: Herald's default per endpoint (10), or --endpoint-concurrency.
 */
const peers = {
  bullmq: { key: 'bullmq', label: 'BullMQ dispatcher (Redis)', file: 'bullmq.mjs', database: false },
  pgboss: { key: 'pgboss', label: 'pg-boss dispatcher (PostgreSQL)', file: 'pg-boss.mjs', database: true },
};

export const names = Object.keys(peers);

export async function run(ctx, name) {
  const peer = peers[name];
  const r = peer.database ? await withDatabase(name, (db) => measure(ctx, peer, { PEER_DATABASE_URL: db.url })) : await measure(ctx, peer, {});
  ctx.details[peer.key] = r;
  ctx.figures[`${peer.key}IngestPerS`] = r.ingestPerS;
  ctx.figures[`${peer.key}DeliveredPerS`] = r.deliveredPerS;
  ctx.log(`${peer.label}: ${ctx.fmt(r.ingestPerS)} accepted/s, ${ctx.fmt(r.deliveredPerS)} delivered/s`);
}

async function measure(ctx, peer, env) {
  const token = 'peer-token';
  const child = await startChild(join(ctx.repoRoot, 'bench/peers', peer.file), [], {
    env: {
      ...env,
      PEER_TARGET: `${ctx.receiver.info.url}/${peer.key}`,
      PEER_SECRET: newSecret(),
      PEER_TOKEN: token,
      PEER_CONCURRENCY: String(ctx.endpointConcurrency ?? 10),
    },
  });
  try {
    ctx.log(`${peer.label}: ${ctx.sizes.n} messages through POST /msg at concurrency ${ctx.concurrency}`);
    const r = await ctx.throughput({ origin: child.info.url, path: '/api/v1/app/bench/msg', headers: { authorization: `Bearer ${token}` }, kind: 'msg' });
    r.rssBytes = await ctx.rssOf(child.info.pid);
    r.peerStats = await child.call('stats');
    return r;
  } finally {
    await child.call('close').catch(() => {});
    await child.kill();
  }
}

export function rows(ctx, add) {
  const f = ctx.figures;
  for (const peer of Object.values(peers)) {
    const ingest = f[`${peer.key}IngestPerS`];
    const delivered = f[`${peer.key}DeliveredPerS`];
    if (ingest != null) add(`${peer.label}: ingest`, ingest, 'msg/s', 'relay accepted', f.relayIngestPerS);
    if (delivered != null) add(`${peer.label}: delivered`, delivered, 'msg/s', 'relay delivered', f.relayDeliveredPerS);
  }
  // Herald against each peer, on each store: ratio > 1 means Herald is faster.
  for (const [store, key] of [['SQLite', 'herald'], ['PostgreSQL', 'heraldPg']]) {
    for (const peer of Object.values(peers)) {
      for (const [what, suffix] of [['ingest', 'IngestPerS'], ['delivered', 'DeliveredPerS']]) {
        const herald = f[`${key}${suffix}`];
        const base = f[`${peer.key}${suffix}`];
        if (herald != null && base != null) add(`Herald ${store} vs ${peer.label}: ${what}`, herald, 'msg/s', `${peer.key} ${what}`, base);
      }
    }
  }
}

export function notes(ctx) {
  return Object.values(peers)
    .filter((peer) => ctx.details[peer.key])
    .map((peer) => {
      const x = ctx.details[peer.key];
      return (
        `${peer.label}: ${x.accepted} accepted in ${x.sendS.toFixed(2)} s, ${x.received} received after ${x.deliverS.toFixed(2)} s ` +
        `(${ctx.fmt(x.deliveredPerSWhileSending)}/s while the clients were sending); 202 latency p50 ${x.ackMs?.p50.toFixed(1)} ms, p99 ${x.ackMs?.p99.toFixed(1)} ms; ` +
        `RSS ${ctx.mb(x.rssBytes)}; failed attempts ${x.peerStats?.failedAttempts ?? 'n/a'}`
      );
    });
}
