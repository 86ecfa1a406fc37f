import { userInfo } from 'node:os';
import { Command } from 'commander';
import WebSocket from 'ws';
import { unreachable } from '../client.js';
import { action, enc, type Ctx } from '../context.js';
import { CliError, exitCodeForStatus, exitCodes } from '../errors.js';
import { forward } from './forward.js';

/**
 * `herald listen --forward-to http://localhost:3000/hook [--app <id|uid>]`: opens an outbound,
 * authenticated WebSocket to Herald (`GET /api/v1/app/{app}/listen`), which gives the session a
 * relay endpoint (printed with its secret). Each delivery to that endpoint arrives as a frame,
 * goes to the local URL byte for byte with Herald's headers, and the local answer goes back, so
 * Herald records a real attempt. Reconnects with backoff (0.5 s doubling to 15 s); deliveries made
 * while it was away are retried by Herald and sent at once when the session is back.
 * Without `--app` it uses (creating it if needed) a personal app, uid `herald-listen-<user>`.
 */
const forwardTimeoutMs = 15_000;
const backoffMinMs = 500;
const backoffMaxMs = 15_000;

interface ListenFlags {
  app?: string;
  forwardTo: string;
  name: string;
  profile?: string;
}

interface Ready {
  type: 'ready';
  appId: string;
  endpointId: string;
  endpointUid: string;
  secret: string;
  profile: string;
}

interface RelayRequest {
  type: 'request';
  id: string;
  headers: Record<string, string>;
  body: string;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function personalApp(ctx: Ctx): Promise<string> {
  const user = userInfo().username.replace(/[^a-zA-Z0-9\-_.]/g, '-') || 'me';
  const app = await ctx.client.post<{ id: string }>('/app?get_if_exists=true', { name: `herald listen (${user})`, uid: `herald-listen-${user}` });
  log(`using your personal app ${app.id} (uid herald-listen-${user}); pass --app to use another`);
  return app.id;
}

export function listenCommand(): Command {
  return new Command('listen')
    .description('relay deliveries to a local URL through an outbound session (no inbound port needed)')
    .requiredOption('--forward-to <url>', 'where to send each delivery, e.g. http://localhost:3000/hook')
    .option('--app <app>', 'application id or uid (default: your personal app)')
    .option('--name <name>', 'relay endpoint name, for several listeners on one app', 'default')
    .option('--profile <profile>', "the relay endpoint's profile (default standard)")
    .action(action(async (ctx, opts: ListenFlags) => {
      let target: URL;
      try {
        target = new URL(opts.forwardTo);
        if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
      } catch {
        throw new CliError(`--forward-to "${opts.forwardTo}" is not an http(s) URL`, exitCodes.usage);
      }
      const app = opts.app ?? (await personalApp(ctx));
      await new Listener(ctx, app, opts, target).run();
    }));
}

class Listener {
  private attempt = 0;
  private greeted = false;
  private stopping = false;
  private socket: WebSocket | null = null;

  constructor(
    private readonly ctx: Ctx,
    private readonly app: string,
    private readonly opts: ListenFlags,
    private readonly target: URL,
  ) {}

  /** Runs until SIGINT/SIGTERM (exit 0) or a refusal no retry can fix (401, 403, 404, 409, 422). */
  async run(): Promise<void> {
    const stop = () => {
      this.stopping = true;
      this.socket?.close(1000);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    while (!this.stopping) {
      await this.session();
      if (this.stopping) break;
      const delay = Math.min(backoffMaxMs, backoffMinMs * 2 ** this.attempt++) * (0.8 + Math.random() * 0.4);
      log(`disconnected; reconnecting in ${(delay / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, delay));
    }
    log('stopped');
  }

  private sessionUrl(): string {
    const base = this.ctx.client.connection.url.replace(/^http/, 'ws');
    const query = new URLSearchParams({ name: this.opts.name });
    if (this.opts.profile) query.set('profile', this.opts.profile);
    return `${base}/api/v1/app/${enc(this.app)}/listen?${query}`;
  }

  /** One connection; resolves when it closes, rejects on a refusal that retrying cannot fix. */
  private session(): Promise<void> {
    const token = this.ctx.client.connection.token;
    const socket = new WebSocket(this.sessionUrl(), { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const detail = Buffer.concat(chunks).toString('utf8').slice(0, 300);
          socket.terminate();
          if (status >= 500) return resolve();
          reject(new CliError(`Herald refused the listen session: ${status} ${detail}`, exitCodeForStatus(status)));
        });
      });
      socket.on('error', (err) => {
        if (!this.greeted && this.attempt === 0) return reject(unreachable(this.ctx.client.connection.url, err));
        log(`connection problem: ${err.message}`);
      });
      socket.on('message', (data) => this.onFrame(socket, String(data)));
      socket.on('close', () => resolve());
    });
  }

  private onFrame(socket: WebSocket, text: string): void {
    const frame = JSON.parse(text) as Ready | RelayRequest;
    if (frame.type === 'ready') return this.onReady(frame);
    if (frame.type === 'request') void this.onRequest(socket, frame);
  }

  private onReady(ready: Ready): void {
    this.attempt = 0;
    if (this.greeted) {
      log(`reconnected; forwarding to ${this.target.href}`);
      return;
    }
    this.greeted = true;
    const info = { app: ready.appId, endpoint: ready.endpointId, endpointUid: ready.endpointUid, secret: ready.secret, profile: ready.profile, forwardTo: this.target.href };
    if (this.ctx.json) process.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      process.stdout.write(`Ready. Relay endpoint ${ready.endpointId} (${ready.endpointUid}, profile ${ready.profile}) in app ${ready.appId}\n`);
      process.stdout.write(`Signing secret: ${ready.secret}\nForwarding deliveries to ${this.target.href} (Ctrl-C to stop)\n`);
    }
  }

  private async onRequest(socket: WebSocket, request: RelayRequest): Promise<void> {
    const started = Date.now();
    const id = request.headers['webhook-id'] ?? request.headers['svix-id'] ?? request.id;
    let reply: object;
    try {
      const answer = await forward(this.target, request.headers, request.body, forwardTimeoutMs);
      reply = { type: 'response', id: request.id, ...answer };
      log(`${new Date().toISOString()} ${id} → ${answer.status} (${Date.now() - started} ms)`);
    } catch (err) {
      const reason = `${this.target.href}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      reply = { type: 'failure', id: request.id, reason };
      log(`${new Date().toISOString()} ${id} → failed: ${reason}`);
    }
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(reply));
  }
}
