import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { ApiException, Svix } from 'svix';
import { afterAll, beforeAll } from 'vitest';
import { TestReceiver, type ReceivedRequest } from './test-receiver.js';

/**
 * Runs the real Herald (`node dist/main.js`, built by `npm test` before vitest starts) as a child
 * process on a free loopback port with its own temp data dir, the way a user runs it. End-to-end
 * tests drive it over HTTP only.
 *
 * The port: Herald gets `HERALD_PORT=0` and the helper reads the address from the first output
 * line that says it is listening (`Herald listening on http://127.0.0.1:<port>`, or Fastify's
 * `Server listening at …` inside a JSON log line). A restart reuses that port, so URLs the test
 * already handed out (SDK clients) keep working after a crash. A `HERALD_ROLE=worker` process
 * serves no HTTP: it is ready once it prints that the worker started, and its `url` is empty.
 */

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const mainJs = join(repoRoot, 'dist', 'main.js');
const listeningLine = /listening\b[^\n]*?(https?:\/\/[^\s"',]+)/i;
const workerStartedLine = /^Herald worker started/;
// Generous: on a loaded 2-core CI machine five processes starting at once took over 15 s.
const startTimeoutMs = 45_000;

export interface StartHeraldOptions {
  /** Extra environment (HERALD_* settings). HERALD_ADMIN_TOKEN defaults to a random token. */
  env?: Record<string, string>;
  /** Reuse a data dir (e.g. a crashed server's); by default a fresh temp dir, removed by stop(). */
  dataDir?: string;
  /**
   * `generate`: pass no HERALD_ADMIN_TOKEN, let Herald generate one on first start as a new user
   * sees it, and read it from `<dataDir>/admin-token`.
   */
  adminToken?: 'generate';
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HeraldProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash); empty for a worker. */
  readonly url: string;
  /** The admin token (Bearer). */
  readonly token: string;
  readonly dataDir: string;
  /** The running process's id (the current run's, after a restart). */
  readonly pid: number;
  /** Everything the current and previous runs wrote, for failure messages. */
  readonly stdout: string;
  readonly stderr: string;
  /** Sends a signal and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  /** SIGTERM (when still running), waits for exit, removes a temp data dir; resolves the exit. */
  stop(): Promise<ExitInfo>;
  /** Starts Herald again on the same data dir, port and environment (after kill/stop(false)). */
  restart(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function exitOf(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('Herald exited while starting');
    try {
      const res = await fetch(`${url}/api/v1/health`);
      await res.arrayBuffer();
      if (res.status === 204) return;
    } catch {
      // not accepting connections yet
    }
    if (Date.now() > deadline) throw new Error(`GET ${url}/api/v1/health never answered 204`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startHerald(options: StartHeraldOptions = {}): Promise<HeraldProcess> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'herald-e2e-'));
  // An empty config file pins the file layer, so a developer's ./herald.config.json cannot leak in.
  const configPath = join(dataDir, 'e2e.config.json');
  writeFileSync(configPath, '{}\n');
  const generate = options.adminToken === 'generate';
  let token = options.env?.HERALD_ADMIN_TOKEN ?? `e2e_${randomBytes(18).toString('base64url')}`;

  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('HERALD_')) baseEnv[k] = v;
  }
  const env: Record<string, string> = {
    ...baseEnv,
    HERALD_HOST: '127.0.0.1',
    HERALD_PORT: '0',
    HERALD_CONFIG: configPath,
    ...options.env,
    HERALD_DATA_DIR: dataDir,
  };
  if (generate) delete env.HERALD_ADMIN_TOKEN;
  else env.HERALD_ADMIN_TOKEN = token;

  let stdout = '';
  let stderr = '';
  let child: ChildProcess | null = null;
  let url = '';
  const worker = env.HERALD_ROLE === 'worker';

  async function launch(): Promise<void> {
    const proc = spawn(process.execPath, [mainJs], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    const found = new Promise<string>((resolveUrl, reject) => {
      let pending = '';
      const scan = (chunk: Buffer, sink: 'out' | 'err') => {
        const text = chunk.toString('utf8');
        if (sink === 'out') stdout += text;
        else stderr += text;
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (worker && workerStartedLine.test(line)) resolveUrl('');
          const m = listeningLine.exec(line);
          if (m?.[1]) resolveUrl(m[1].replace(/\/+$/, ''));
        }
      };
      proc.stdout!.on('data', (c: Buffer) => scan(c, 'out'));
      proc.stderr!.on('data', (c: Buffer) => scan(c, 'err'));
      proc.once('exit', (code, signal) => reject(new Error(`Herald exited (code ${code}, signal ${signal}) before listening`)));
      setTimeout(() => reject(new Error(`Herald printed no "${worker ? 'worker started' : 'listening on http://…'}" line within ${startTimeoutMs} ms`)), startTimeoutMs).unref();
    });
    try {
      url = await found;
      if (worker) return;
      await waitForHealth(url, proc);
      if (generate) token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    } catch (err) {
      proc.kill('SIGKILL');
      await exitOf(proc);
      throw new Error(`${(err as Error).message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
    }
    // Restarts come back on the same port so clients holding `url` keep working.
    env.HERALD_PORT = new URL(url).port;
  }

  try {
    await launch();
  } catch (err) {
    // A Herald that never started leaves no handle to stop(): remove the temp dir made for it.
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  const handle: HeraldProcess = {
    get url() {
      return url;
    },
    get token() {
      return token;
    },
    dataDir,
    get pid() {
      return child!.pid!;
    },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      const proc = child!;
      const exited = exitOf(proc);
      proc.kill(signal);
      return exited;
    },
    async stop() {
      const proc = child!;
      let info: ExitInfo;
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = exitOf(proc);
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        info = await exited;
        clearTimeout(timer);
      } else {
        info = { code: proc.exitCode, signal: proc.signalCode };
      }
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
      return info;
    },
    async restart() {
      const proc = child!;
      if (proc.exitCode === null && proc.signalCode === null) throw new Error('restart(): Herald is still running; kill() it first');
      await launch();
    },
  };
  return handle;
}

/** `fetch` against Herald with the admin token (or another one), JSON in and out. */
export async function call(
  herald: Pick<HeraldProcess, 'url' | 'token'>,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? herald.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${herald.url}/api/v1${path}`, { method, headers, body });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A Svix SDK client on Herald (admin token unless another is given). */
export function svixFor(herald: Pick<HeraldProcess, 'url' | 'token'>, token: string = herald.token): Svix {
  return new Svix(token, { serverUrl: herald.url });
}

/** Awaits a promise that must fail with an HTTP error; returns its status and parsed body. */
export async function apiError(promise: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) return { status: err.code, body: err.body };
    throw err;
  }
  throw new Error('expected the call to fail with an HTTP error, but it succeeded');
}

/**
 * Polls `probe` until it returns something other than undefined/false (state that Herald only
 * exposes through its API, such as an attempt being recorded); fails after `timeoutMs`.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== null) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Standard Webhooks verification with the `standardwebhooks` library; returns the parsed payload. */
export function verifyWebhook(secret: string, request: ReceivedRequest): unknown {
  return new Webhook(secret).verify(request.body, headerRecord(request));
}

/** A received request's headers as one string per (lower-cased) name. */
export function headerRecord(request: ReceivedRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The `v1,` signatures of a request, in the order sent. */
export function signaturesOf(request: ReceivedRequest): string[] {
  return String(request.headers['webhook-signature'] ?? '').split(' ').filter((s) => s !== '');
}

/** Standard Webhooks by hand: `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`. */
export function expectedSignature(secret: string, request: ReceivedRequest): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`;
  return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
}

/**
 * One Herald per `describe` block: started before its tests, stopped after them together with
 * every receiver the tests opened through `receiver()`. `herald` and `svix` are set once the
 * block's `beforeAll` has run, so read them inside tests.
 */
export function useHerald(options: StartHeraldOptions = {}) {
  const receivers: TestReceiver[] = [];
  const e2e = {
    herald: undefined as unknown as HeraldProcess,
    svix: undefined as unknown as Svix,
    async receiver(): Promise<TestReceiver> {
      const r = await TestReceiver.start();
      receivers.push(r);
      return r;
    },
  };
  beforeAll(async () => {
    e2e.herald = await startHerald(options);
    e2e.svix = svixFor(e2e.herald);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await e2e.herald?.stop();
  });
  return e2e;
}
