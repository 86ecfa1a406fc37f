import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Receivers that misbehave, each on 127.0.0.1 with a random port, for the hostile-receiver tests
 * (`test/e2e/hostile-receivers.test.ts`). Each counts the connections it accepted, how many are
 * still open, and the bytes of response it managed to hand to the kernel.
 */
export class HostileReceiver {
  connections = 0;
  open = 0;
  /** Requests that reached HTTP handling (for TLS: after a completed handshake). */
  requests = 0;
  bytesWritten = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly server: NetServer | HttpServer, private readonly scheme: 'http' | 'https' = 'http') {
    server.on(scheme === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.connections++;
      this.open++;
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.open--;
        this.sockets.delete(socket);
      });
    });
  }

  get url(): string {
    return `${this.scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  every(ms: number, tick: () => void): NodeJS.Timeout {
    const timer = setInterval(tick, ms);
    this.timers.add(timer);
    return timer;
  }

  stop(timer: NodeJS.Timeout): void {
    clearInterval(timer);
    this.timers.delete(timer);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Calls `onRequest` once per connection, when the first bytes of a request have arrived. */
function rawServer(onRequest: (socket: Socket, receiver: HostileReceiver) => void): Promise<HostileReceiver> {
  const server = createNetServer();
  const receiver = new HostileReceiver(server);
  server.on('connection', (socket) => socket.once('data', () => {
    receiver.requests++;
    onRequest(socket, receiver);
  }));
  return receiver.listen();
}

/** Reads the request and never answers. */
export function hangingReceiver(): Promise<HostileReceiver> {
  return rawServer(() => {});
}

/** Answers a 200 status line, headers and part of the promised body, then resets the connection. */
export function resettingReceiver(): Promise<HostileReceiver> {
  return rawServer((socket) => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\npartial');
    setTimeout(() => socket.resetAndDestroy(), 50);
  });
}

/**
 * Trickles its answer one byte a second: the whole answer from its first byte (`head`), or a 200
 * whose headers come at once and whose 1000-byte body trickles (`body`).
 */
export function tricklingReceiver(what: 'head' | 'body'): Promise<HostileReceiver> {
  const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n';
  return rawServer((socket, receiver) => {
    let text = what === 'head' ? head + 'x'.repeat(1000) : 'x'.repeat(1000);
    if (what === 'body') socket.write(head);
    const timer = receiver.every(1_000, () => {
      if (socket.destroyed || text === '') return receiver.stop(timer);
      socket.write(text[0]!);
      receiver.bytesWritten++;
      text = text.slice(1);
    });
  });
}

/** Answers 200 with a `bytes`-long body (100 MB by default), streamed as the client reads it. */
export function hugeReceiver(bytes = 100 * 1024 * 1024): Promise<HostileReceiver> {
  const chunk = Buffer.alloc(64 * 1024, 'y');
  const server = createHttpServer();
  const receiver = new HostileReceiver(server);
  server.on('request', (req, res) => {
    receiver.requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(bytes) });
    let left = bytes;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        receiver.bytesWritten += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (left === 0) res.end();
    };
    pump();
  });
  return receiver.listen();
}

/** An HTTPS receiver whose certificate is self-signed (made with `openssl` for this run). */
export function selfSignedReceiver(): Promise<HostileReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) });
    const receiver = new HostileReceiver(server, 'https');
    server.on('request', (_req, res) => {
      receiver.requests++;
      res.end('should never be reached');
    });
    return receiver.listen();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The resident set size of a process, in bytes (Linux `/proc`). */
export function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
