import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver on 127.0.0.1 with a random port, for tests (shaped like Svix's test
 * `TestReceiver`). It records every request and answers with whatever the test set last; the
 * answer can change mid-test, or be computed per request, or be held back until the test lets it
 * go (a function returning a promise), which is how tests model a hanging endpoint.
 *
 *   const receiver = await TestReceiver.start();
 *   receiver.setResponse({ status: 500 });
 *   const req = await receiver.next();      // the next request not yet returned by next()
 *   await receiver.close();
 *
 * Remember that Herald blocks loopback targets unless `allowedNetworks` exempts 127.0.0.0/8.
 */
export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body, decoded as UTF-8. */
  body: string;
  /** `performance.now()` when the body was complete. */
  receivedAt: number;
}

export interface ReceiverResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** Default empty. */
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export type ResponseSpec = ReceiverResponse | ((req: ReceivedRequest) => ReceiverResponse | Promise<ReceiverResponse>);

export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private spec: ResponseSpec = { status: 200 };
  private cursor = 0;
  private waiters: (() => void)[] = [];
  private open = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly server: Server, readonly url: string) {}

  /** On 127.0.0.1 and a free port, unless told another loopback address or port. */
  static async start(options: { host?: string; port?: number } = {}): Promise<TestReceiver> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const receiver = new TestReceiver(server, `http://${host}:${port}/webhook`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: ReceivedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: performance.now(),
        };
        void receiver.handle(received, res);
      });
    });
    return receiver;
  }

  /** Requests received and not yet answered (or closed by the client). */
  get inFlight(): number {
    return this.open;
  }

  setResponse(spec: ResponseSpec): void {
    this.spec = spec;
  }

  /** The next request that `next()` has not returned yet; waits for it up to `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<ReceivedRequest> {
    await this.until(() => this.requests.length > this.cursor, timeoutMs, `a request (${this.cursor} seen so far)`);
    return this.requests[this.cursor++]!;
  }

  /** Waits until `count` requests in all have arrived. */
  async waitForCount(count: number, timeoutMs = 5_000): Promise<ReceivedRequest[]> {
    await this.until(() => this.requests.length >= count, timeoutMs, `${count} requests (got ${this.requests.length})`);
    return this.requests.slice(0, count);
  }

  /** Waits until `predicate` holds; re-checked after every request and every answer. */
  async until(predicate: () => boolean, timeoutMs = 5_000, what = 'a condition'): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`TestReceiver: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(check);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private async handle(req: ReceivedRequest, res: ServerResponse): Promise<void> {
    this.open++;
    let closed = false;
    res.on('close', () => {
      if (closed) return;
      closed = true;
      this.open--;
      this.notify();
    });
    this.requests.push(req);
    this.notify();
    const spec = this.spec;
    let answer: ReceiverResponse;
    try {
      answer = typeof spec === 'function' ? await spec(req) : spec;
    } catch {
      answer = { status: 500, body: 'TestReceiver: response function threw' };
    }
    if (answer.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, answer.delayMs);
        this.timers.add(timer);
      });
    }
    if (res.destroyed || closed) return;
    res.writeHead(answer.status ?? 200, answer.headers ?? {});
    res.end(answer.body ?? '');
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
