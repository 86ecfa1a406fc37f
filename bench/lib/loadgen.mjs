import { Pool } from 'undici';
import { serve, wallNow } from './rpc.mjs';
import { summarise } from './stats.mjs';

/**
 * The load generator, in its own process. Three shapes, all bounded in count and in time:
 *
 * - `closed`: `concurrency` clients, each sending its next request as soon as the previous one
 *   was answered, until `n` were sent (throughput); optionally spread over `apps` applications;
 * - `batch`: the same with `/msg/batch` bodies of `size` messages;
 * - `open`: a fixed offered rate for `durationMs`, whatever the answers (latency). Requests are
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

async function closed({ origin, path, headers = {}, kind, n, concurrency, maxMs, batchSize = 0, offset = 0, apps = 0 }) {
  // `apps` > 0: message i goes to application `bench<i mod apps>` (the path's `{app}`).
  const pathOf = apps > 0 ? (i) => path.replace('{app}', `bench${i % apps}`) : () => path;
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const hdrs = { 'content-type': 'application/json', ...headers };
  const statuses = {};
  const errors = {};
  const acks = [];
  let next = 0;
  let ok = 0;
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
      const text = body(i);
      const t0 = wallNow();
      try {
        const res = await pool.request({ method: 'POST', path: pathOf(i), headers: hdrs, body: text });
        await res.body.dump();
        acks.push(wallNow() - t0);
        tally(statuses, res.statusCode);
        if (res.statusCode >= 200 && res.statusCode < 300) ok++;
      } catch (err) {
        tally(errors, err.code ?? err.name);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  const endAt = wallNow();
  await pool.close();
  return { sent: next, ok, statuses, errors, startAt, endAt, timedOut, ack: summarise(acks) };
}

async function open({ origin, path, headers = {}, kind, rate, durationMs, connections, maxInFlight, offset = 0 }) {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const hdrs = { 'content-type': 'application/json', ...headers };
  const statuses = {};
  const errors = {};
  const acks = [];
  let fired = 0;
  let skipped = 0;
  let inFlight = 0;
  let ok = 0;
  const total = Math.floor((rate * durationMs) / 1000);
  const pending = new Set();
  const fire = (i) => {
    const text = bodyOf(kind, offset + i);
    const t0 = wallNow();
    inFlight++;
    const p = pool
      .request({ method: 'POST', path, headers: hdrs, body: text })
      .then(async (res) => {
        await res.body.dump();
        acks.push(wallNow() - t0);
        tally(statuses, res.statusCode);
        if (res.statusCode >= 200 && res.statusCode < 300) ok++;
      })
      .catch((err) => tally(errors, err.code ?? err.name))
      .finally(() => {
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
  return { fired, skipped, ok, statuses, errors, startAt, sentEndAt, endAt, offeredPerS: (fired * 1000) / (sentEndAt - startAt), ack: summarise(acks) };
}

serve({
  closed,
  batch: (args) => closed({ ...args, kind: 'msg', n: args.batches, batchSize: args.size }),
  open,
});
