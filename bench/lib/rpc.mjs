import { fork } from 'node:child_process';

/**
 * Request/response over a child's IPC channel. The orchestrator drives the receiver, the load
 * generator and the relay this way, so that each runs its own event loop in its own process and
 * the orchestrator's bookkeeping costs none of them a turn.
 *
 *   child side:  serve({ async stats() { … } }, { port })   // answers `call`s, sends `ready`
 *   parent side: const c = await startChild(file, args); await c.call('stats', {…}); c.kill();
 *
 * Events a child sends on its own (`{ event, … }`) reach `child.on(event, fn)`.
 */

/** Every child started here, killed when the orchestrator exits however it exits. */
const children = new Set();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function startChild(file, args = [], { env, execArgv = [], readyTimeoutMs = 15_000 } = {}) {
  const proc = fork(file, args, { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let seq = 0;
  const pending = new Map();
  const listeners = new Map();
  let ready;
  const readyPromise = new Promise((resolve, reject) => {
    ready = resolve;
    proc.once('exit', (code, signal) => {
      reject(new Error(`${file} exited (code ${code}, signal ${signal}) before it was ready`));
      for (const p of pending.values()) p.reject(new Error(`${file} exited (code ${code}, signal ${signal})`));
      pending.clear();
    });
    setTimeout(() => reject(new Error(`${file} not ready within ${readyTimeoutMs} ms`)), readyTimeoutMs).unref();
  });
  proc.on('message', (msg) => {
    if (msg?.ready) ready(msg.info);
    else if (msg?.reply !== undefined) {
      const p = pending.get(msg.reply);
      pending.delete(msg.reply);
      if (!p) return;
      if (msg.error) p.reject(new Error(`${file}: ${msg.error}`));
      else p.resolve(msg.result);
    } else if (msg?.event) {
      for (const fn of listeners.get(msg.event) ?? []) fn(msg);
    }
  });
  const handle = {
    proc,
    call(cmd, args = {}) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        proc.send({ id, cmd, args });
      });
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(fn);
      return () => listeners.set(event, listeners.get(event).filter((f) => f !== fn));
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return readyPromise.then((info) => Object.assign(handle, { info }));
}

/** Child side: answers `{ id, cmd, args }` with the handler's result; tells the parent it is ready. */
export function serve(handlers, info = {}) {
  process.on('message', async (msg) => {
    if (msg?.cmd === undefined) return;
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      const result = await handler(msg.args ?? {});
      process.send({ reply: msg.id, result });
    } catch (err) {
      process.send({ reply: msg.id, error: err?.stack ?? String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send({ ready: true, info });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const wallNow = () => performance.timeOrigin + performance.now();
