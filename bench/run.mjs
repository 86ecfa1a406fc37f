#!/usr/bin/env node
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, mb, ms } from './lib/format.mjs';
import { withDatabase } from './lib/pg.mjs';
import { fdCountOf, rssOf, samplePeakRss } from './lib/proc.mjs';
import { summariseProfile } from './lib/profile.mjs';
import { updateResultsMd } from './lib/report.mjs';
import { startChild, wallNow } from './lib/rpc.mjs';
import { batchConcurrency, batchSize, createRuns, sleep } from './lib/runs.mjs';
import * as backlog from './scenarios/backlog.mjs';
import * as isolation from './scenarios/isolation.mjs';
import * as neighbour from './scenarios/neighbour.mjs';
import * as peers from './scenarios/peers.mjs';
import * as soak from './scenarios/soak.mjs';

/**
 * `npm run bench` (quick pass, under 3 minutes), `npm run bench -- --full` and
 * `npm run bench -- --soak`.
 *
 * Process layout, all on 127.0.0.1, all sharing the machine's cores (no pinning):
 *   orchestrator (this file; idle while a scenario runs)
 *   ├─ receiver   (lib/receiver.mjs)  the one fast node:http receiver every scenario targets
 *   ├─ load gen   (lib/loadgen.mjs)   undici clients
 *   └─ one system under test at a time: nothing (raw loop), lib/relay.mjs, Herald
 *      (`node dist/main.js`, fresh data dir or PostgreSQL database per scenario, default
 *      settings), or a peer (peers/*.mjs)
 *   plus the local PostgreSQL and Redis servers, for the scenarios that use them.
 *
 * The scenarios of scenarios/*.mjs each export `names`, `run(ctx, name)`, `rows(ctx, add)` and
 * `notes(ctx)`; `ctx` carries the children, the sizes, the run shapes of lib/runs.mjs and the
 * figures and details the run collects.
 *
 * Every figure is printed beside the baseline measured in this same run; DESIGN.md §9 has the
 * targets. Results go to bench/results/<ISO date>.json and bench/RESULTS.md.
 */
const usage = `usage: npm run bench [-- options]
  --full           long figures (100,000 messages per throughput run, 60 s latency run)
  --smoke          tiny counts, a few seconds, to check the bench still runs; writes no results
  --only LIST      comma-separated scenarios: raw, relay, relay-latency, herald, herald-apps,
                   herald-c50, herald-pg, herald-batch, herald-latency, bullmq, pgboss,
                   isolation, neighbour, backlog, herald-profile, soak
                   (default: all but herald-profile and soak)
  --soak           only the soak: steady load, 5 % of endpoints failing and one dead; RSS and
                   open fds each minute; no message lost; the queue drains
  --soak-minutes N length of the soak (default 10)
  --profile        add herald-profile: Herald's end-to-end scenario once more under --cpu-prof,
                   its top frames printed (its figures are not used)
  --concurrency N  clients (and connections) for throughput runs; default 50
  --messages N     messages per throughput run (default: 10,000 quick, 100,000 full)
  --endpoint-concurrency N
                   maxConcurrency of Herald's endpoints in every scenario but herald-c50, and
                   the peers' requests in flight (default: unset, i.e. Herald's default of 10)
  --skip-build     use dist/ as it is (default: npm run -s build first)
  --herald DIR     run the Herald built in DIR (DIR/dist/main.js: another checkout, a snapshot
                   of a commit) instead of this checkout's; implies --skip-build
  --dry-run        print the table, write no results
  -h, --help`;

const { values: opts } = parseOptions({
  options: {
    full: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-minutes': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '50' },
    messages: { type: 'string' },
    'endpoint-concurrency': { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    herald: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
  allowPositionals: false,
});

function parseOptions(config) {
  try {
    return parseArgs(config);
  } catch (err) {
    console.error(`${err.message}\n\n${usage}`);
    process.exit(2);
  }
}
if (opts.help) {
  console.log(usage);
  process.exit(0);
}
if (opts.full && opts.smoke) {
  console.error('--full and --smoke exclude each other');
  process.exit(2);
}

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const heraldRoot = opts.herald === undefined ? repoRoot : resolve(opts.herald);
if (opts.herald !== undefined && !existsSync(join(heraldRoot, 'dist/main.js'))) {
  console.error(`--herald: no ${join(heraldRoot, 'dist/main.js')}; build it there first`);
  process.exit(2);
}
const mode = opts.full ? 'full' : opts.smoke ? 'smoke' : 'quick';
const soakMinutes = Number(opts['soak-minutes']);
if (!(soakMinutes > 0 && soakMinutes <= 24 * 60)) {
  console.error(`--soak-minutes: expected a number of minutes above 0, at most 1440, got ${opts['soak-minutes']}`);
  process.exit(2);
}
const concurrency = Number(opts.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
  console.error(`--concurrency: expected an integer from 1 to 1000, got ${opts.concurrency}`);
  process.exit(2);
}

/**
 * Sizes per mode. Quick: each throughput run is 10,000 messages after a 1,000-message warm-up
 * (Herald's single-endpoint delivery ran at about 300/s when this was written, so its run alone
 * takes some 35 s); the latency runs are 10 s at 1,000 messages/s after 2 s of warm-up at the
 * same rate. Isolation: `isolationN` messages to the fast endpoints (10,000 in the quick pass:
 * with 3,000 each run lasted about 1.5 s and the ratio swung from 0.54 to 1.60 between passes
 * minutes apart, 2026-11-30). Noisy neighbour: app a's
 * backlog (`neighbourBacklog`), app b at `neighbourRate`/s for `neighbourS` s. Backlog:
 * `backlog` pending messages, drained within `backlogDrainMs`. Every wait is bounded by
 * `waitMs` or the scenario's own bound.
 */
const sizes = {
  smoke: { n: 1_000, warmup: 200, batches: 3, batchWarmup: 1, rate: 200, latencyS: 2, latencyWarmS: 1, waitMs: 30_000, isolationN: 1_000, neighbourBacklog: 5_000, neighbourRate: 50, neighbourS: 2, backlog: 2_000, backlogDrainMs: 30_000 },
  quick: { n: 10_000, warmup: 1_000, batches: 30, batchWarmup: 2, rate: 1_000, latencyS: 10, latencyWarmS: 2, waitMs: 90_000, isolationN: 10_000, neighbourBacklog: 20_000, neighbourRate: 100, neighbourS: 5, backlog: 20_000, backlogDrainMs: 90_000 },
  full: { n: 100_000, warmup: 5_000, batches: 200, batchWarmup: 5, rate: 1_000, latencyS: 60, latencyWarmS: 5, waitMs: 600_000, isolationN: 100_000, neighbourBacklog: 1_000_000, neighbourRate: 100, neighbourS: 60, backlog: 1_000_000, backlogDrainMs: 1_200_000 },
}[mode];
const endpointConcurrency = opts['endpoint-concurrency'] === undefined ? null : Number(opts['endpoint-concurrency']);
if (endpointConcurrency !== null && (!Number.isInteger(endpointConcurrency) || endpointConcurrency < 1 || endpointConcurrency > 1000)) {
  console.error(`--endpoint-concurrency: expected an integer from 1 to 1000, got ${opts['endpoint-concurrency']}`);
  process.exit(2);
}
if (opts.messages !== undefined) {
  const n = Number(opts.messages);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) {
    console.error(`--messages: expected an integer from 1 to 10,000,000, got ${opts.messages}`);
    process.exit(2);
  }
  sizes.n = n;
}
/** Scenario modules, in the order they run (after the baselines and Herald's own scenarios). */
const modules = [peers, isolation, neighbour, backlog, soak];
const moduleOf = (name) => modules.find((m) => m.names.includes(name));
const defaultScenarios = ['raw', 'relay', 'relay-latency', 'herald', 'herald-apps', 'herald-c50', 'herald-pg', 'herald-batch', 'herald-latency', 'bullmq', 'pgboss', 'isolation', 'neighbour', 'backlog'];
const allScenarios = [...defaultScenarios, 'herald-profile', 'soak'];
/**
 * The end-to-end variants. `herald`: one application, one endpoint with Herald's defaults.
 * `herald-apps`: the same load spread round-robin over 10 applications with one endpoint each.
 * `herald-c50`: one endpoint whose maxConcurrency is raised to the client count (what a user
 * does to match the relay's 50 connections); in the first passes it delivered 190 to 450/s,
 * 4 to 6 times slower than the default (the claim loop's wake-up, see RESULTS.md).
 */
const heraldVariants = {
  herald: { key: 'herald', label: 'Herald SQLite', apps: 0, maxConcurrency: endpointConcurrency },
  'herald-apps': { key: 'heraldApps', label: 'Herald SQLite, 10 apps × 1 endpoint', apps: 10, maxConcurrency: endpointConcurrency },
  'herald-c50': { key: 'heraldC50', label: `Herald SQLite, endpoint maxConcurrency ${concurrency}`, apps: 0, maxConcurrency: concurrency },
  'herald-pg': { key: 'heraldPg', label: 'Herald PostgreSQL', apps: 0, maxConcurrency: endpointConcurrency, postgres: true },
  'herald-profile': { key: 'profile', label: 'Herald SQLite (profiled; figures not used)', apps: 0, maxConcurrency: endpointConcurrency, profile: true },
};
// The two extra SQLite variants (diagnostics of where delivery is bounded) run in --full only,
// which keeps the quick pass under 3 minutes (207 s with them on the quiet machine, 2026-11-30).
const fullOnlyScenarios = ['herald-apps', 'herald-c50'];
const scenarios = opts.soak
  ? ['soak']
  : opts.only
    ? opts.only.split(',').map((s) => s.trim())
    : defaultScenarios.filter((s) => mode === 'full' || !fullOnlyScenarios.includes(s));
if (opts.profile && !scenarios.includes('herald-profile')) scenarios.push('herald-profile');
for (const s of scenarios) {
  if (!allScenarios.includes(s)) {
    console.error(`--only: unknown scenario "${s}"; known: ${allScenarios.join(', ')}`);
    process.exit(2);
  }
}

const started = new Date();
// Ctrl-C or a timeout's SIGTERM: exit through 'exit', whose handlers (lib/rpc.mjs, lib/herald.mjs)
// kill every child. A PostgreSQL database of the interrupted scenario stays (bench_<label>_<time>).
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
const t0 = Date.now();
const log = (line) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);

if (!opts['skip-build'] && opts.herald === undefined) {
  log('npm run -s build');
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('bench: the build failed; fix it or pass --skip-build to use dist/ as it is');
    process.exit(1);
  }
}

const machine = machineInfo();
const figures = {};
const details = {};
let receiver;
let loadgen;
/** What the scenario modules get (see the top of this file). */
const ctx = { repoRoot, heraldRoot, sizes, concurrency, endpointConcurrency, soakMinutes, log, figures, details, fmt, ms, mb, rssOf, fdCountOf, samplePeakRss };

try {
  receiver = await startChild(join(repoRoot, 'bench/lib/receiver.mjs'));
  loadgen = await startChild(join(repoRoot, 'bench/lib/loadgen.mjs'));
  Object.assign(ctx, { receiver, loadgen });
  Object.assign(ctx, createRuns(ctx));
  log(`mode ${opts.soak ? `soak (${soakMinutes} min)` : mode}; receiver ${receiver.info.url}; concurrency ${concurrency}; ${machine.cpuModel} × ${machine.cores}`);

  if (scenarios.includes('raw')) await rawLoop();
  if (scenarios.includes('relay') || scenarios.includes('relay-latency')) await relayScenarios();
  for (const name of ['herald', 'herald-apps', 'herald-c50', 'herald-pg']) if (scenarios.includes(name)) await heraldThroughput(heraldVariants[name]);
  if (scenarios.includes('herald-batch')) await heraldBatch();
  if (scenarios.includes('herald-latency')) await heraldLatency();
  for (const name of scenarios) if (moduleOf(name)) await moduleOf(name).run(ctx, name);
  if (scenarios.includes('herald-profile')) await heraldThroughput(heraldVariants['herald-profile']);
} finally {
  await Promise.all([receiver?.kill(), loadgen?.kill()]);
}

machine.loadAvgEnd = os.loadavg().map((v) => Number(v.toFixed(2)));
const rows = tableRows();
const table = renderTable(rows);
process.stdout.write(`\n${table}\n`);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const result = {
  date: started.toISOString(),
  mode,
  scenarios,
  command,
  durationS: Number(((Date.now() - t0) / 1000).toFixed(1)),
  machine,
  herald: heraldRoot === repoRoot ? 'this checkout' : heraldRoot,
  built: !opts['skip-build'] && opts.herald === undefined,
  layout:
    'one process each for the receiver, the load generator and the system under test (raw loop: none; relay; Herald; a peer dispatcher), plus the idle orchestrator and, for the scenarios that use them, the local PostgreSQL 15 and Redis servers; no CPU pinning; loopback only',
  settings: { concurrency, endpointConcurrency, payloadBytes: 250, batchSize, batchConcurrency, ...sizes, ...(opts.soak ? { soakMinutes } : {}) },
  figures,
  table: rows,
  details,
  extraNotes: modules.flatMap((m) => m.notes(ctx)),
  ...(opts.soak ? { loadLine: `soak: ${soakMinutes} min, open loop over ${concurrency} connections (see scenarios/soak.mjs)` } : {}),
};
if (mode === 'smoke' || opts['dry-run']) {
  log('no results written (--smoke or --dry-run)');
} else {
  const dir = join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  // A run with other sizes, a subset of the scenarios or another build gets its own section, so
  // it never replaces the standard quick or full figures; the section is named by the subset
  // and the build, so that runs of different subsets keep theirs.
  const standard = opts.only === undefined && opts.messages === undefined && concurrency === 50 && endpointConcurrency === null && heraldRoot === repoRoot;
  const variant = [opts.only === undefined ? null : scenarios.join(','), heraldRoot === repoRoot ? null : `herald ${heraldRoot}`].filter(Boolean).join('; ');
  const section = opts.soak ? 'soak' : standard ? mode : `${mode}-custom${variant ? ` ${variant}` : ''}`;
  updateResultsMd(join(repoRoot, 'bench/RESULTS.md'), { ...result, section }, table);
  log(`wrote ${file.slice(repoRoot.length + 1)} and bench/RESULTS.md (${section} section)`);
}
log(`done in ${result.durationS} s`);
process.exit(0);

// --- scenarios ---------------------------------------------------------------------------------

async function rawLoop() {
  log(`raw loop: undici → receiver, ${sizes.n} POSTs at concurrency ${concurrency}`);
  const target = { origin: receiver.info.url, path: '/raw', headers: {}, kind: 'raw' };
  const r = await ctx.throughput(target);
  details.raw = r;
  figures.rawPerS = r.deliveredPerS;
  log(`raw loop: ${fmt(r.deliveredPerS)} msg/s received`);
}

async function relayScenarios() {
  const token = 'relay-token';
  const relay = await startChild(join(repoRoot, 'bench/lib/relay.mjs'), [], {
    env: { RELAY_TARGET: `${receiver.info.url}/relay`, RELAY_CONNECTIONS: String(concurrency), RELAY_TOKEN: token },
  });
  try {
    const target = { origin: relay.info.url, path: '/api/v1/app/bench/msg', headers: { authorization: `Bearer ${token}` }, kind: 'msg' };
    if (scenarios.includes('relay')) {
      log(`in-memory relay: ${sizes.n} messages at concurrency ${concurrency}`);
      const r = await ctx.throughput(target);
      details.relay = r;
      figures.relayIngestPerS = r.ingestPerS;
      figures.relayDeliveredPerS = r.deliveredPerS;
      log(`relay: ${fmt(r.ingestPerS)} accepted/s, ${fmt(r.deliveredPerS)} delivered/s`);
    }
    if (scenarios.includes('relay-latency')) {
      log(`in-memory relay: latency at ${sizes.rate}/s for ${sizes.latencyS} s`);
      const r = await ctx.latencyRun(target);
      details.relayLatency = r;
      figures.relayLatencyMs = r.latencyMs;
      log(`relay latency: p50 ${ms(r.latencyMs?.p50)} p99 ${ms(r.latencyMs?.p99)}`);
    }
  } finally {
    await relay.kill();
  }
}

/**
 * Durable ingest and end-to-end delivery through `POST /msg`, one endpoint per message, with
 * the SQL statements counted (or, with `profile`, under --cpu-prof and not counted). With
 * `postgres`, on a fresh PostgreSQL database (statements not counted: the counter hooks
 * better-sqlite3).
 */
async function heraldThroughput(variant) {
  if (!variant.postgres) return heraldThroughputOn(variant, {});
  const env = { HERALD_MASTER_KEY: randomBytes(32).toString('hex') };
  return withDatabase('herald', (db) => heraldThroughputOn(variant, { ...env, HERALD_DATABASE_URL: db.url }));
}

async function heraldThroughputOn({ key, label, apps, maxConcurrency, profile = false, postgres = false }, env) {
  const profDir = profile ? mkdtempSync(join(os.tmpdir(), 'herald-bench-prof-')) : null;
  const counted = !profile && !postgres;
  const herald = await ctx.heraldWithEndpoint({ env, countSql: counted, cpuProfDir: profDir }, { apps, maxConcurrency });
  let r;
  try {
    log(`${label}: ${sizes.n} messages through POST /msg at concurrency ${concurrency}`);
    const path = apps > 0 ? '/api/v1/app/{app}/msg' : '/api/v1/app/bench/msg';
    const target = { origin: herald.url, path, apps, headers: { authorization: `Bearer ${herald.token}` }, kind: 'msg' };
    await ctx.warmUp(target);
    // Statements are counted in two parts, split when the clients stop: the whole run (ingest
    // and delivery together) and the drain after it, where only the dispatcher writes.
    let whileSending = null;
    let splitAt = 0;
    r = await ctx.timedRun({
      ...target,
      beforeStart: async () => void (counted ? await herald.sqlCount(true) : null),
      afterSend: async () => {
        if (!counted) return;
        splitAt = wallNow();
        whileSending = await herald.sqlCount(true);
      },
    });
    r.rssBytes = await herald.rss();
    if (counted) {
      await sleep(500); // the last outcomes are written after their receipt
      const drain = await herald.sqlCount(false);
      const drained = r.received - (await receiver.call('countUntil', { at: splitAt }));
      r.sql = statementsPerMessage(mergeCounts(whileSending, drain), r.received);
      // Too few drained messages would make the idle polling after the last one weigh in.
      r.sqlDrain = drained >= 500 ? statementsPerMessage(drain, drained) : null;
    }
  } finally {
    await herald.stop();
  }
  if (profile) {
    // One profile per thread: the API's (the main thread) and, on SQLite, the delivery thread's.
    const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort();
    details.profileRun = r;
    details.profiles = files.length ? files.map((f) => ({ thread: profiledThread(f), ...summariseProfile(join(profDir, f)) })) : [{ error: 'no .cpuprofile written' }];
    rmSync(profDir, { recursive: true, force: true });
    log(`${label}: ${fmt(r.ingestPerS)} accepted/s, ${fmt(r.deliveredPerS)} delivered/s`);
    details.profiles.forEach(printProfile);
    return;
  }
  details[key] = r;
  figures[`${key}IngestPerS`] = r.ingestPerS;
  figures[`${key}DeliveredPerS`] = r.deliveredPerS;
  if (key === 'herald') {
    figures.sqlPerMessage = r.sql?.perMessage ?? null;
    figures.sqlPerDeliveryDrain = r.sqlDrain?.perMessage ?? null;
  }
  log(
    `${label}: ${fmt(r.ingestPerS)} accepted/s, ${fmt(r.deliveredPerS)} delivered/s (${fmt(r.deliveredPerSWhileSending)}/s while sending, ${r.deliveredPerSAfterSending == null ? 'none left after' : `${fmt(r.deliveredPerSAfterSending)}/s after`}); ` +
      `${r.sql?.perMessage?.toFixed(2) ?? 'n/a'} statements per message, ${r.sqlDrain?.perMessage?.toFixed(2) ?? 'n/a'} per delivery in the drain`,
  );
}

async function heraldBatch() {
  const herald = await ctx.heraldWithEndpoint({}, { maxConcurrency: endpointConcurrency });
  try {
    log(`Herald SQLite /msg/batch: ${sizes.batches} × ${batchSize} at concurrency ${batchConcurrency}`);
    await receiver.call('reset', {});
    await ctx.loadBatches(herald, 'bench', sizes.batchWarmup * batchSize);
    const lg = await ctx.loadBatches(herald, 'bench', sizes.batches * batchSize, sizes.batchWarmup * batchSize);
    const rx = await receiver.call('stats');
    const sendS = (lg.endAt - lg.startAt) / 1000;
    const r = {
      batches: lg.sent,
      acceptedMessages: lg.accepted,
      statuses: lg.statuses,
      errors: lg.errors,
      sendS,
      ingestPerS: lg.accepted / sendS,
      ackMs: lg.ack,
      deliveredMeanwhile: rx.count,
      rssBytes: await herald.rss(),
    };
    details.heraldBatch = r;
    figures.heraldBatchIngestPerS = r.ingestPerS;
    log(`Herald /msg/batch: ${fmt(r.ingestPerS)} messages/s accepted (${r.deliveredMeanwhile} delivered meanwhile)`);
  } finally {
    await herald.stop();
  }
}

async function heraldLatency() {
  const herald = await ctx.heraldWithEndpoint({}, { maxConcurrency: endpointConcurrency });
  try {
    log(`Herald SQLite: latency at ${sizes.rate}/s for ${sizes.latencyS} s`);
    const r = await ctx.latencyRun(ctx.msgTarget(herald));
    r.rssBytes = await herald.rss();
    details.heraldLatency = r;
    figures.heraldLatencyMs = r.latencyMs;
    log(`Herald latency: p50 ${ms(r.latencyMs?.p50)} p95 ${ms(r.latencyMs?.p95)} p99 ${ms(r.latencyMs?.p99)}`);
  } finally {
    await herald.stop();
  }
}

// --- SQL statements ----------------------------------------------------------------------------

/**
 * Statements per delivered message, with a breakdown by statement. Transaction control (BEGIN, COMMIT, SAVEPOINT, RELEASE) is counted, as
 * SQLite executes it; `perMessageExcludingTxControl` leaves it out.
 */
function mergeCounts(a, b) {
  const bySql = new Map(a.bySql);
  for (const [sql, n] of b.bySql) bySql.set(sql, (bySql.get(sql) ?? 0) + n);
  return { total: a.total + b.total, bySql: [...bySql].sort((x, y) => y[1] - x[1]) };
}

function statementsPerMessage(count, delivered) {
  if (!delivered) return null;
  const label = (sql) => sql.replace(/\s+/g, ' ').trim().slice(0, 90);
  const control = /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
  let controlCount = 0;
  const top = count.bySql.map(([sql, n]) => {
    if (control.test(sql.trim())) controlCount += n;
    return { sql: label(sql), count: n, perMessage: Number((n / delivered).toFixed(3)) };
  });
  return {
    total: count.total,
    delivered,
    perMessage: count.total / delivered,
    perMessageExcludingTxControl: (count.total - controlCount) / delivered,
    top: top.slice(0, 16),
  };
}

// --- output ------------------------------------------------------------------------------------

function tableRows() {
  const f = figures;
  const rows = [];
  const add = (scenario, value, unit, baselineName, baseline, target, met) =>
    rows.push({ scenario, value, unit, baselineName, baseline, ratio: value != null && baseline ? value / baseline : null, target, met });
  if (f.rawPerS != null) add('raw loop: undici → receiver (1 hop)', f.rawPerS, 'msg/s', null, null, null, null);
  if (f.relayIngestPerS != null) add('in-memory relay: accepted', f.relayIngestPerS, 'msg/s', 'raw loop', f.rawPerS, null, null);
  if (f.relayDeliveredPerS != null) add('in-memory relay: delivered (2 hops)', f.relayDeliveredPerS, 'msg/s', 'raw loop', f.rawPerS, null, null);
  for (const v of Object.values(heraldVariants)) {
    if (v.profile) continue;
    const ingest = f[`${v.key}IngestPerS`];
    const delivered = f[`${v.key}DeliveredPerS`];
    if (ingest != null) {
      const name = v.key === 'herald' ? `${v.label}: durable ingest, 1 msg/request` : `${v.label}: ingest`;
      add(name, ingest, 'msg/s', 'relay accepted', f.relayIngestPerS, '≥ 0.8 × relay', f.relayIngestPerS ? ingest >= 0.8 * f.relayIngestPerS : null);
    }
    if (delivered != null) {
      const name = v.key === 'herald' ? `${v.label}: end-to-end delivered` : `${v.label}: delivered`;
      add(name, delivered, 'msg/s', 'relay delivered', f.relayDeliveredPerS, '≥ 0.8 × relay', f.relayDeliveredPerS ? delivered >= 0.8 * f.relayDeliveredPerS : null);
    }
  }
  if (f.heraldBatchIngestPerS != null) {
    add('Herald SQLite: ingest via /msg/batch (1,000)', f.heraldBatchIngestPerS, 'msg/s', 'relay accepted', f.relayIngestPerS, '≥ 50,000 msg/s', f.heraldBatchIngestPerS >= 50_000);
  }
  for (const [name, lat, baseline] of [
    ['in-memory relay', f.relayLatencyMs, null],
    ['Herald SQLite', f.heraldLatencyMs, f.relayLatencyMs],
  ]) {
    if (lat === undefined) continue;
    const herald = name.startsWith('Herald');
    for (const p of ['p50', 'p95', 'p99']) {
      const target = herald ? { p50: 'p50 < 20 ms', p95: null, p99: 'p99 < 100 ms' }[p] : null;
      const met = herald && lat && target ? (p === 'p50' ? lat.p50 < 20 : lat.p99 < 100) : null;
      add(`${name}: ingest→receipt ${p} @ ${fmt(sizes.rate)}/s`, lat?.[p] ?? null, 'ms', baseline ? `relay ${p}` : null, baseline?.[p] ?? null, target, met);
    }
  }
  if (f.sqlPerMessage != null) add('Herald SQLite: SQL statements per message, ingest + delivery', f.sqlPerMessage, 'stmt', null, null, null, null);
  if (f.sqlPerDeliveryDrain != null) add('Herald SQLite: SQL statements per delivery (drain)', f.sqlPerDeliveryDrain, 'stmt', null, null, '≤ 3', f.sqlPerDeliveryDrain <= 3);
  for (const m of modules) m.rows(ctx, add);
  return rows;
}

/** Milliseconds and seconds to a tenth, statement counts to a hundredth, the rest whole. */
function figure(value, unit) {
  return unit === 'ms' || unit === 's' ? value.toFixed(1) : unit === 'stmt' ? value.toFixed(2) : fmt(value);
}

function renderTable(rows) {
  const header = ['scenario', 'figure', 'baseline (same run)', 'ratio', 'DESIGN §9 target', 'met'];
  const cells = rows.map((r) => [
    r.scenario,
    r.value == null ? 'n/a' : `${figure(r.value, r.unit)} ${r.unit}`,
    r.baselineName ? `${r.baselineName} ${r.baseline == null ? 'n/a' : figure(r.baseline, r.unit)}` : '',
    r.ratio == null ? '' : r.ratio.toFixed(2),
    r.target ?? '',
    r.met == null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/** `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile` (Node's name): thread 0 is the main one. */
function profiledThread(file) {
  const tid = file.split('.')[4];
  return tid === '0' ? 'main thread (API)' : `thread ${tid} (delivery)`;
}

function printProfile(p) {
  if (p.error) return log(`profile: ${p.error}`);
  log(`profile of Herald's ${p.thread}, start to stop (${(p.totalMs / 1000).toFixed(1)} s sampled, ${(p.busyMs / 1000).toFixed(1)} s of it busy); self time by area:`);
  for (const a of p.areas.slice(0, 10)) log(`  ${a.pct.toFixed(1).padStart(5)} %  ${a.area}`);
  log('top functions by self time:');
  for (const fn of p.functions.slice(0, 15)) log(`  ${fn.pct.toFixed(1).padStart(5)} %  ${fn.name}`);
}

function machineInfo() {
  const cpus = os.cpus();
  let dataDirFs = null;
  try {
    dataDirFs = execFileSync('df', ['-T', os.tmpdir()], { encoding: 'utf8' }).trim().split('\n')[1]?.split(/\s+/)[1] ?? null;
  } catch {
    // not on a system with df -T
  }
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    dataDir: os.tmpdir(),
    dataDirFs,
    loadAvgStart: os.loadavg().map((v) => Number(v.toFixed(2))),
  };
}
