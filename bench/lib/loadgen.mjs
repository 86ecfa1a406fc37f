import { Pool } from 'undici';
import { serve, wallNow } from './rpc.mjs';
import { summarise } from './stats.mjs';

/**
 * The load generator, in its own process. Three shapes, all bounded in count and in time:
 *
 * - `closed`: `concurrency` clients, each sending its next request as soon as the previous one
 *   was answered, until `n` were sent (throughput); optionally spread over `apps` applications;
 * - `batch`: the same with `/msg/batch` bodies of `size` messages;
 * - `open`: a fixed offered rate for `durationMs`, whatever the answers (latency; optionally
 *   spread over `apps` applications too). Requests are
 *   fired on a 1 ms timer; if `maxInFlight` are already unanswered, the due requests are counted
 *   as `skipped` rather than queued, so an overloaded target shows up as such and the load
 *   generator's own memory stays bounded.
 *
 * Every payload carries `t`, the wall-clock time (ms, sub-ms resolution) just before the request
 * was handed to undici; the receiver subtracts it from the arrival time. `kind: 'raw'` sends the
 * payload itself (the raw loop posts to the receiver); `kind: 'msg'` wraps it in Herald's
 * `MessageIn` (`{eventType, payload}`).
 */

// About 250 bytes of payload, a typical small webhook event.
const pad = 'x'.repeat(200);
const payloadText = (i) => `{"t":${wallNow()},"i":${i},"kind":"bench.event","data":"${pad}"}`;
const messageText = (i) => `{"eventType":"bench.event","payload":${payloadText(i)}}`;
const bodyOf = (kind, i) => (kind === 'raw' ? payloadText(i) : messageText(i));

function tally(map, key) {
  map[key] = (map[key] ?? 0) + 1;
}

/** `apps` > 0: message i goes to application `bench<i mod apps>` (the path's `{app}`). */
function router(path, apps) {
  return apps > 0 ? (i) => path.replace('{app}', `bench${i % apps}`) : () => path;
}

/**
 * One request and its bookkeeping: the answer's status, its latency and, for a 2xx, `ok` (in
 * all and per path, since a path names the application).
 */
async function send(pool, t, { path, headers, body }) {
  const t0 = wallNow();
  try {
    const res = await pool.request({ method: 'POST', path, headers, body });
    await res.body.dump();
    t.acks.push(wallNow() - t0);
    tally(t.statuses, res.statusCode);
    if (res.statusCode >= 200 && res.statusCode < 300) {
      t.ok++;
      tally(t.okByPath, path);
    }
  } catch (err) {
    tally(t.errors, err.code ?? err.name);
  }
}

const newTally = () => ({ ok: 0, statuses: {}, errors: {}, acks: [], okByPath: {} });
const results = (t) => ({ ok: t.ok, statuses: t.statuses, errors: t.errors, okByPath: t.okByPath, ack: summarise(t.acks) });

async function closed({ origin, path, headers = {}, kind, n, concurrency, maxMs, batchSize = 0, offset = 0, apps = 0 }) {
  const pathOf = router(path, apps);
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const hdrs = { 'content-type': 'application/json', ...headers };
  const t = newTally();
  let next = 0;
  const startAt = wallNow();
  const deadline = startAt + maxMs;
  let timedOut = false;
  const body = (i) => {
    if (batchSize === 0) return bodyOf(kind, offset + i);
    const parts = new Array(batchSize);
    for (let k = 0; k < batchSize; k++) parts[k] = messageText(offset + i * batchSize + k);
    return `{"messages":[${parts.join(',')}]}`;
  };
  async function client() {
    while (next < n) {
      if (wallNow() > deadline) {
        timedOut = true;
        return;
      }
      const i = next++;
      await send(pool, t, { path: pathOf(i), headers: hdrs, body: body(i) });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  const endAt = wallNow();
  await pool.close();
  return { sent: next, ...results(t), startAt, endAt, timedOut };
}

async function open({ origin, path, headers = {}, kind, rate, durationMs, connections, maxInFlight, offset = 0, apps = 0 }) {
  const pathOf = router(path, apps);
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const hdrs = { 'content-type': 'application/json', ...headers };
  const t = newTally();
  let fired = 0;
  let skipped = 0;
  let inFlight = 0;
  const total = Math.floor((rate * durationMs) / 1000);
  const pending = new Set();
  const fire = (i) => {
    inFlight++;
    const p = send(pool, t, { path: pathOf(i), headers: hdrs, body: bodyOf(kind, offset + i) }).finally(() => {
      inFlight--;
      pending.delete(p);
    });
    pending.add(p);
  };
  const startAt = wallNow();
  let due = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = wallNow() - startAt;
      due = Math.min(total, Math.floor((elapsed * rate) / 1000));
      while (fired + skipped < due) {
        if (inFlight >= maxInFlight) {
          skipped += due - fired - skipped;
          break;
        }
        fire(fired++);
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const sentEndAt = wallNow();
  // Answers still outstanding get up to 30 s.
  await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, 30_000))]);
  const endAt = wallNow();
  await pool.destroy();
  return { fired, skipped, ...results(t), startAt, sentEndAt, endAt, offeredPerS: (fired * 1000) / (sentEndAt - startAt) };
}

serve({
  closed,
  batch: (args) => closed({ ...args, kind: 'msg', n: args.batches, batchSize: args.size }),
  open,
});
