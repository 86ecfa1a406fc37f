/**
 * Slow-endpoint isolation (DESIGN.md §9: one endpoint that never answers costs the others
 * < 10 % throughput). Two fresh Heralds with default settings, the same closed-loop load:
 *   without: 10 applications with one fast endpoint each, n (`isolationN`) messages round-robin;
 *   with:    the same plus an 11th application whose endpoint never answers (Herald's default
 *            15 s timeout, retries on its default schedule), n × 11/10 messages round-robin,
 *            so that the fast endpoints get the same n.
 * The figure: the fast endpoints' delivered messages/s with the dead one, against without.
 */
export const names = ['isolation'];

const fastApps = 10;

export async function run(ctx) {
  const without = await measure(ctx, false);
  const withDead = await measure(ctx, true);
  ctx.details.isolation = { without, withDead };
  ctx.figures.isolationFastPerS = withDead.deliveredPerS;
  ctx.figures.isolationBaselinePerS = without.deliveredPerS;
  ctx.log(`isolation: fast endpoints ${ctx.fmt(withDead.deliveredPerS)}/s with a dead endpoint, ${ctx.fmt(without.deliveredPerS)}/s without`);
}

async function measure(ctx, dead) {
  const apps = Array.from({ length: fastApps }, (_, i) => ({ uid: `bench${i}`, endpoints: [{ path: '/herald/fast' }] }));
  if (dead) apps.push({ uid: `bench${fastApps}`, endpoints: [{ path: '/dead/isolation' }] });
  const herald = await ctx.heraldWithApps({}, apps);
  const deadPath = `/api/v1/app/bench${fastApps}/msg`;
  // Every accepted message but the dead endpoint's reaches the receiver.
  const expectReceived = (lg) => lg.ok - (lg.okByPath[deadPath] ?? 0);
  try {
    ctx.log(`isolation: ${fastApps} fast apps${dead ? ' + 1 dead' : ''}, ${ctx.sizes.isolationN} messages to the fast ones`);
    const target = ctx.msgTarget(herald, '{app}', { apps: apps.length, expectReceived });
    await ctx.warmUp(target);
    const r = await ctx.timedRun({ ...target, n: Math.round((ctx.sizes.isolationN * apps.length) / fastApps) });
    r.deadAccepted = r.okByPath[deadPath] ?? 0;
    r.receiverStats = await ctx.receiver.call('stats');
    return r;
  } finally {
    await herald.stop({ force: true });
  }
}

export function rows(ctx, add) {
  const f = ctx.figures;
  if (f.isolationFastPerS == null) return;
  const met = f.isolationBaselinePerS ? f.isolationFastPerS >= 0.9 * f.isolationBaselinePerS : null;
  add('Herald SQLite, 10 fast + 1 dead endpoint: fast ones delivered', f.isolationFastPerS, 'msg/s', 'without the dead one', f.isolationBaselinePerS, '≥ 0.9 × without', met);
}

export function notes(ctx) {
  const x = ctx.details.isolation;
  if (!x) return [];
  const line = (name, r) =>
    `${name}: ${r.accepted} accepted in ${r.sendS.toFixed(2)} s (${ctx.fmt(r.ingestPerS)}/s), ${r.received} received by the fast endpoints after ${r.deliverS.toFixed(2)} s` +
    (r.deadAccepted ? `; ${r.deadAccepted} for the dead endpoint, ${r.receiverStats.deadOpen} of its requests open at the end` : '');
  return [line('Isolation without the dead endpoint', x.without), line('Isolation with the dead endpoint', x.withDead)];
}
