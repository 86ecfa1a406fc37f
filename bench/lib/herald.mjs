import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssOf } from './proc.mjs';

/**
 * Runs the real server (`node dist/main.js`, in `heraldRoot`: this checkout by default) as a user does, on a free loopback port with a
 * throwaway data dir and the default settings (log level info, SQLite WAL with
 * synchronous=FULL). Like test/helpers/server.ts, but with what the bench needs: optional
 * `--cpu-prof` and the SQL counting preload, and a generous stop (the dispatcher may still be
 * draining a backlog when a scenario ends).
 */
const listeningLine = /listening\b[^\n]*?(https?:\/\/[^\s"',]+)/i;
const running = new Set();
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

export async function startHerald({ repoRoot, heraldRoot = repoRoot, env = {}, countSql = false, cpuProfDir = null, startTimeoutMs = 20_000 }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const configPath = join(dataDir, 'bench.config.json');
  writeFileSync(configPath, '{}\n');
  const token = `bench_${randomBytes(18).toString('base64url')}`;
  const baseEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HERALD_')) baseEnv[k] = v;
  const execArgv = [];
  if (countSql) execArgv.push('--import', join(repoRoot, 'bench/lib/sql-count.mjs'));
  if (cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
  const proc = spawn(process.execPath, [...execArgv, join(heraldRoot, 'dist/main.js')], {
    cwd: heraldRoot,
    env: { ...baseEnv, HERALD_HOST: '127.0.0.1', HERALD_PORT: '0', HERALD_CONFIG: configPath, HERALD_DATA_DIR: dataDir, HERALD_ADMIN_TOKEN: token, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  const url = await new Promise((resolve, reject) => {
    const scan = (chunk) => {
      keep(chunk);
      const m = listeningLine.exec(output);
      if (m) resolve(m[1].replace(/\/+$/, ''));
    };
    proc.stdout.on('data', scan);
    proc.stderr.on('data', scan);
    proc.once('exit', (code, signal) => reject(new Error(`Herald exited (code ${code}, signal ${signal}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`Herald did not listen within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs).unref();
  });
  proc.stdout.removeAllListeners('data');
  proc.stderr.removeAllListeners('data');
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);

  let seq = 0;
  const pending = new Map();
  proc.on('message', (msg) => {
    const p = pending.get(msg?.reply);
    if (p) {
      pending.delete(msg.reply);
      p(msg.result);
    }
  });

  const herald = {
    url,
    token,
    dataDir,
    pid: proc.pid,
    get output() {
      return output;
    },
    /** JSON call to the API with the admin token; throws on a non-2xx answer. */
    async api(method, path, body) {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text === '' ? undefined : JSON.parse(text);
    },
    /** SQL statements counted since the last reset (needs `countSql`). */
    sqlCount(reset = false) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, resolve);
        proc.send({ id, cmd: 'sql-count', reset });
        setTimeout(() => reject(new Error('Herald did not answer the SQL count')), 5_000).unref();
      });
    },
    /** Resident set size of the server process, from /proc (Linux), in bytes; null elsewhere. */
    rss: () => rssOf(proc.pid),
    /**
     * SIGTERM (graceful: the dispatcher finishes what is in flight), SIGKILL after 15 s; with
     * `force`, SIGKILL at once (a scenario whose endpoint never answers would otherwise wait
     * out Herald's stop timeout).
     */
    async stop({ force = false } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill(force ? 'SIGKILL' : 'SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await waitForHealth(herald);
  return herald;
}

async function waitForHealth(herald) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${herald.url}/api/v1/health`);
      await res.arrayBuffer();
      if (res.status === 204) return;
    } catch {
      // not accepting connections yet
    }
    if (Date.now() > deadline) throw new Error(`Herald health never answered 204:\n${herald.output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
