import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHerald, svixFor, type HeraldProcess } from '../helpers/server.js';
import { TestReceiver } from '../helpers/test-receiver.js';

// Retries are one second apart, so every delivery is due again within about a second of the
// restart; the deadline leaves room for a slow CI machine, not for waiting out a lease.
const restartDeadlineMs = 20_000;

describe('crash safety', () => {
  let herald: HeraldProcess;
  let receiver: TestReceiver;

  beforeAll(async () => {
    // Enough one-second retries that no delivery runs out of attempts around the crash.
    herald = await startHerald({ env: { HERALD_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1' } });
    receiver = await TestReceiver.start();
  });

  afterAll(async () => {
    await receiver?.close();
    await herald?.stop();
  });

  it('delivers every message answered 202 after kill -9 and a restart on the same data dir', { timeout: 60_000 }, async () => {
    const svix = svixFor(herald);
    const app = await svix.application.create({ name: 'Crash test' });
    await svix.endpoint.create(app.id, { url: receiver.url });
    receiver.setResponse({ status: 500 });

    const accepted: string[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call(herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'crash.test', payload: { n: wave * 10 + i } } }),
        ),
      );
      for (const a of answers) {
        expect(a.status, a.text).toBe(202);
        accepted.push(a.json.id);
      }
    }
    expect(new Set(accepted).size).toBe(100);

    const exit = await herald.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const beforeRestart = receiver.requests.length;
    receiver.setResponse({ status: 200 });
    // Timed from the restart itself: delivery starts before the API answers health checks.
    const restartedAt = performance.now();
    await herald.restart();

    const pending = new Set(accepted);
    let seen = beforeRestart;
    const drain = () => {
      // Only requests after the restart count (everything before it was answered 500).
      for (; seen < receiver.requests.length; seen++) pending.delete(String(receiver.requests[seen]!.headers['webhook-id']));
      return pending.size === 0;
    };
    await receiver.until(drain, restartDeadlineMs, 'every accepted message').catch(() => {
      throw new Error(
        `${pending.size} of 100 accepted messages did not arrive within ${restartDeadlineMs} ms of the restart ` +
          `(${receiver.requests.length - beforeRestart} requests since; ${beforeRestart} failed attempts before the kill)`,
      );
    });
    const drainMs = Math.round(performance.now() - restartedAt);

    const afterRestart = receiver.requests.slice(beforeRestart).map((r) => String(r.headers['webhook-id']));
    const duplicates = afterRestart.length - new Set(afterRestart).size;
    // At-least-once allows duplicates; report them so a regression in their number is visible.
    console.info(
      `crash test: ${beforeRestart} failed attempts before the kill; after the restart ${afterRestart.length} deliveries within ${drainMs} ms of starting Herald again, ${duplicates} duplicates`,
    );
    expect(afterRestart.every((id) => accepted.includes(id))).toBe(true);
  });

  it('delivers every message answered 202 when kill -9 lands in the middle of concurrent ingest and delivery', { timeout: 60_000 }, async () => {
    const svix = svixFor(herald);
    const app = await svix.application.create({ name: 'Crash mid-ingest' });
    await svix.endpoint.create(app.id, { url: receiver.url });
    receiver.setResponse({ status: 200 });
    const firstRequest = receiver.requests.length;

    // 20 clients send as fast as they can; the kill lands at a random instant 300–800 ms in, while
    // commits, claims and outcome writes are all in progress. Requests cut off by the kill were
    // never answered 202, so only answered ones must arrive.
    const accepted: string[] = [];
    let killed = false;
    const client = async (c: number) => {
      for (let n = 0; !killed && n < 2_000; n++) {
        const answer = await call(herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'crash.mid', payload: { c, n } } }).catch(() => null);
        if (answer?.status === 202) accepted.push(answer.json.id);
      }
    };
    const clients = Array.from({ length: 20 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
    killed = true;
    await herald.kill('SIGKILL');
    await Promise.all(clients);
    expect(accepted.length).toBeGreaterThan(0);

    await herald.restart();
    const pending = new Set(accepted);
    let seen = firstRequest;
    await receiver
      .until(() => {
        for (; seen < receiver.requests.length; seen++) pending.delete(String(receiver.requests[seen]!.headers['webhook-id']));
        return pending.size === 0;
      }, restartDeadlineMs, 'every accepted message')
      .catch(() => {
        throw new Error(`${pending.size} of ${accepted.length} messages answered 202 never arrived after the restart`);
      });
    const ids = receiver.requests.slice(firstRequest).map((r) => String(r.headers['webhook-id']));
    console.info(`crash mid-ingest: ${accepted.length} answered 202 before the kill; ${ids.length} deliveries, ${ids.length - new Set(ids).size} duplicates`);
  });
});
