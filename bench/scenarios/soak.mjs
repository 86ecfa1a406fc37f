import { latencyMaxInFlight } from '../lib/runs.mjs';

/**
 * Soak (issue 7): `npm run bench -- --soak [--soak-minutes N]` (default 10). One Herald with
 * default settings and 40 applications with one endpoint each: 2 answer 500 (5 %), 1 never
 * answers, 37 are fast. An open loop offers `rate` messages/s round-robin over the 40 for the
 * whole time. Every minute: Herald's RSS and open file descriptors (/proc/<pid>/fd), and what
 * the receiver has seen. At the end:
 *   - the fast endpoints' queue drains: every message accepted for them arrives, within 2 min;
 *   - no message is lost: each fast endpoint received every message accepted for it (distinct
 *     webhook-ids; duplicates counted apart), and for the failing and dead endpoints Herald's
 *     own counts (success + pending + sending + fail) add up to the messages accepted for them;
 *   - RSS and file descriptors are flat: the last sample against the first one taken after a
 *     quarter of the run (≤ 1.25 × RSS, ≤ 1.2 × fds).
 */
export const names = ['soak'];

const apps = 40;
const failing = [0, 1];
const dead = [2];
const rate = 200;
const drainMs = 120_000;

const kindOf = (i) => (failing.includes(i) ? 'fail' : dead.includes(i) ? 'dead' : 'fast');
const receiverPath = (i) => `/${kindOf(i) === 'fast' ? 'soak' : kindOf(i)}/bench${i}`;
const ingestPath = (i) => `/api/v1/app/bench${i}/msg`;

export async function run(ctx) {
  const minutes = ctx.soakMinutes;
  const specs = Array.from({ length: apps }, (_, i) => ({ uid: `bench${i}`, endpoints: [{ path: receiverPath(i) }] }));
  const herald = await ctx.heraldWithApps({}, specs);
  try {
    await ctx.receiver.call('reset', { track: true });
    ctx.log(`soak: ${minutes} min at ${rate} msg/s over ${apps} apps (${failing.length} failing with 500, ${dead.length} never answering)`);
    const samples = [];
    const startedAt = Date.now();
    const take = async () => samples.push(await sample(ctx, herald, startedAt));
    const minutely = setInterval(take, 60_000);
    let lg;
    try {
      lg = await ctx.loadgen.call('open', {
        ...ctx.msgTarget(herald, '{app}', { apps }),
        rate,
        durationMs: minutes * 60_000,
        connections: ctx.concurrency,
        maxInFlight: latencyMaxInFlight,
      });
    } finally {
      clearInterval(minutely);
    }
    const drain = await waitDrained(ctx, lg);
    await take();
    const lost = await countLost(ctx, herald, lg);
    const r = { minutes, rate, apps, offeredPerS: lg.offeredPerS, accepted: lg.ok, skipped: lg.skipped, statuses: lg.statuses, errors: lg.errors, samples, drain, ...lost };
    ctx.details.soak = r;
    ctx.log(`soak: ${r.accepted} accepted, ${r.lost} lost, ${r.duplicates} duplicates; fast endpoints ${drain.drained ? `drained ${drain.afterS.toFixed(1)} s after the load` : 'NOT drained'}`);
  } finally {
    await herald.stop({ force: true });
  }
}

async function sample(ctx, herald, startedAt) {
  const [rssBytes, fds, rx] = await Promise.all([herald.rss(), ctx.fdCountOf(herald.pid), ctx.receiver.call('stats')]);
  const s = { atS: Math.round((Date.now() - startedAt) / 1000), rssBytes, fds, received: rx.count, failedAnswers: rx.failed, deadOpen: rx.deadOpen };
  ctx.log(`soak: ${s.atS} s: RSS ${ctx.mb(rssBytes)}, ${fds} open fds, ${rx.count} delivered, ${rx.failed} answered 500, ${rx.deadOpen} requests open on the dead endpoint`);
  return s;
}

/** Accepted messages of the fast applications, from the load generator's per-path tally. */
function fastAccepted(lg) {
  let n = 0;
  for (let i = 0; i < apps; i++) if (kindOf(i) === 'fast') n += lg.okByPath[ingestPath(i)] ?? 0;
  return n;
}

async function waitDrained(ctx, lg) {
  const target = fastAccepted(lg);
  const endAt = Date.now();
  const rx = await ctx.waitCount(target, drainMs);
  return { drained: !rx.timedOut, afterS: (Date.now() - endAt) / 1000, fastAccepted: target, received: rx.count };
}

async function countLost(ctx, herald, lg) {
  const paths = await ctx.receiver.call('paths');
  let lost = 0;
  let duplicates = 0;
  const perEndpoint = [];
  for (let i = 0; i < apps; i++) {
    const accepted = lg.okByPath[ingestPath(i)] ?? 0;
    const kind = kindOf(i);
    let accountedFor;
    if (kind === 'fast') {
      const p = paths[receiverPath(i)] ?? { distinct: 0, duplicates: 0 };
      accountedFor = p.distinct;
      duplicates += p.duplicates;
    } else {
      const stats = await herald.api('GET', `/app/bench${i}/endpoint/${herald.endpoints[`bench${i}`][0]}/stats`);
      accountedFor = Object.values(stats).reduce((a, b) => a + b, 0);
      perEndpoint.push({ app: `bench${i}`, kind, accepted, stats });
    }
    lost += Math.max(0, accepted - accountedFor);
  }
  return { lost, duplicates, perEndpoint };
}

/**
 * The sample RSS and fds are judged against: the first one at or after a quarter of the run, when
 * Herald's connection pools to the 40 endpoints have filled (in the first 10-minute soak, fds
 * went 195 → 249 over the first 3 minutes, then stayed between 243 and 262).
 */
function settledSample(x) {
  return x.samples.find((s) => s.atS >= (x.minutes * 60) / 4) ?? x.samples[0];
}

export function rows(ctx, add) {
  const x = ctx.details.soak;
  if (!x) return;
  const first = settledSample(x);
  const last = x.samples.at(-1);
  const mbOf = (b) => (b == null ? null : b / 2 ** 20);
  add(`soak ${x.minutes} min @ ${rate}/s: messages accepted`, x.accepted, 'msgs');
  add('soak: messages lost', x.lost, 'msgs', null, null, '0', x.lost === 0);
  add('soak: duplicate deliveries', x.duplicates, 'msgs');
  add('soak: fast endpoints drained after the load (s)', x.drain.drained ? x.drain.afterS : null, 's', null, null, `< ${drainMs / 1000} s`, x.drain.drained);
  add('soak: Herald RSS at the end', mbOf(last.rssBytes), 'MB', `at ${first.atS} s`, mbOf(first.rssBytes), '≤ 1.25 × (flat)', last.rssBytes <= 1.25 * first.rssBytes);
  add('soak: Herald open fds at the end', last.fds, 'fds', `at ${first.atS} s`, first.fds, '≤ 1.2 × (flat)', last.fds <= 1.2 * first.fds);
}

export function notes(ctx) {
  const x = ctx.details.soak;
  if (!x) return [];
  return [
    `Soak: offered ${x.offeredPerS.toFixed(0)}/s for ${x.minutes} min over ${x.apps} apps; ${x.accepted} accepted, ${x.skipped} skipped (in-flight cap), statuses ${JSON.stringify(x.statuses)}, errors ${JSON.stringify(x.errors)}`,
    `Soak samples (s: RSS / fds / delivered): ${x.samples.map((s) => `${s.atS}: ${ctx.mb(s.rssBytes)} / ${s.fds} / ${s.received}`).join('; ')}`,
    ...x.perEndpoint.map((e) => `Soak ${e.kind} endpoint ${e.app}: ${e.accepted} accepted; Herald's counts ${JSON.stringify(e.stats)}`),
  ];
}
