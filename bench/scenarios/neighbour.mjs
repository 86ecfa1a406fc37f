import { wallNow } from '../lib/rpc.mjs';

/**
 * Noisy neighbour (DESIGN.md §9: while one app drains a 1,000,000-message backlog, another
 * app's fresh message is delivered with p99 < 100 ms). One Herald with default settings and two
 * applications, `a` and `b`, one fast endpoint each:
 *   1. b alone: an open loop at `neighbourRate` messages/s for `neighbourS` seconds, timed from
 *      ingest to receipt (the baseline);
 *   2. a's backlog: `neighbourBacklog` messages through /msg/batch as fast as Herald takes them;
 *   3. b again, the same load, while a drains; a's arrivals are checked to still be flowing
 *      at the end, so the whole window was measured under the backlog.
 */
export const names = ['neighbour'];

export async function run(ctx) {
  const { sizes } = ctx;
  const herald = await ctx.heraldWithApps({}, [
    { uid: 'a', endpoints: [{ path: '/herald/a' }] },
    { uid: 'b', endpoints: [{ path: '/herald/b' }] },
  ]);
  try {
    const b = ctx.msgTarget(herald, 'b');
    const timeB = () => ctx.latencyRun(b, { rate: sizes.neighbourRate, seconds: sizes.neighbourS, warmS: 1, latencyPrefix: '/herald/b' });
    ctx.log(`noisy neighbour: app b alone at ${sizes.neighbourRate}/s for ${sizes.neighbourS} s`);
    const alone = await timeB();
    ctx.log(`noisy neighbour: app a's backlog of ${ctx.fmt(sizes.neighbourBacklog)} through /msg/batch`);
    const loadStart = wallNow();
    const load = await ctx.loadBatches(herald, 'a', sizes.neighbourBacklog);
    const loadS = (wallNow() - loadStart) / 1000;
    ctx.log(`noisy neighbour: app b at ${sizes.neighbourRate}/s while a drains`);
    const busy = await timeB();
    const aStillDraining = await stillArriving(ctx, '/herald/a');
    const r = { alone, busy, backlogAccepted: load.accepted, loadS, aStillDraining, rssBytes: await herald.rss() };
    ctx.details.neighbour = r;
    ctx.figures.neighbourAloneMs = alone.latencyMs;
    ctx.figures.neighbourBusyMs = busy.latencyMs;
    ctx.log(`noisy neighbour: b p99 ${ctx.ms(busy.latencyMs?.p99)} with a's backlog, ${ctx.ms(alone.latencyMs?.p99)} alone; a still draining at the end: ${aStillDraining.yes}`);
  } finally {
    await herald.stop({ force: true });
  }
}

/** Whether deliveries to `path` are still arriving (over half a second). */
async function stillArriving(ctx, path) {
  const before = (await ctx.receiver.call('paths'))[path]?.count ?? 0;
  await new Promise((r) => setTimeout(r, 500));
  const after = (await ctx.receiver.call('paths'))[path]?.count ?? 0;
  return { yes: after > before, perS: (after - before) * 2 };
}

export function rows(ctx, add) {
  const { neighbourAloneMs: alone, neighbourBusyMs: busy } = ctx.figures;
  if (busy === undefined) return;
  const label = `Herald SQLite: app b ingest→receipt @ ${ctx.sizes.neighbourRate}/s while app a drains ${ctx.fmt(ctx.sizes.neighbourBacklog)}`;
  add(`${label}, p50`, busy?.p50 ?? null, 'ms', 'b alone p50', alone?.p50 ?? null);
  add(`${label}, p99`, busy?.p99 ?? null, 'ms', 'b alone p99', alone?.p99 ?? null, 'p99 < 100 ms', busy ? busy.p99 < 100 : null);
}

export function notes(ctx) {
  const x = ctx.details.neighbour;
  if (!x) return [];
  const run = (r) => `${r.accepted} accepted, ${r.received} timed, p50 ${ctx.ms(r.latencyMs?.p50)}, p95 ${ctx.ms(r.latencyMs?.p95)}, max ${ctx.ms(r.latencyMs?.max)}`;
  return [
    `Noisy neighbour: a's backlog of ${x.backlogAccepted} accepted in ${x.loadS.toFixed(1)} s; b alone: ${run(x.alone)}; b beside a's backlog: ${run(x.busy)}; ` +
      `a still draining when b's window ended: ${x.aStillDraining.yes ? `yes (${ctx.fmt(x.aStillDraining.perS)}/s)` : 'NO (the window outlasted the backlog)'}; RSS ${ctx.mb(x.rssBytes)}`,
  ];
}
