import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * A DNS server on 127.0.0.1 (UDP, random port) for tests, answering A and AAAA questions from a
 * table the test edits at will, so a name can resolve to one address now and another later (DNS
 * rebinding) without touching /etc/hosts or any outside resolver. Herald is pointed at it with
 * `HERALD_DNS_SERVERS=<server.address>`.
 *
 *   const dns = await TestDnsServer.start();
 *   dns.set('hook.test', ['127.0.0.2']);             // or a function of the query count
 *   dns.set('rebind.test', (n) => (n === 1 ? ['127.0.0.2'] : ['127.0.0.1']));
 *
 * A name not in the table is NXDOMAIN; a name with no address of the asked family has no answer
 * (NOERROR, zero records). TTLs are 0. Only what Node's resolver (c-ares) sends is understood:
 * one question per query; anything else (EDNS records) is ignored.
 */
export type Answer = readonly string[] | ((queryCount: number) => readonly string[]);

const typeA = 1;
const typeAaaa = 28;
const rcodeNxDomain = 3;

interface Question {
  id: number;
  name: string;
  type: number;
  /** The question section as it came, echoed in the answer. */
  raw: Buffer;
}

function parseQuestion(msg: Buffer): Question | null {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let offset = 12;
  while (offset < msg.length && msg[offset]! !== 0) {
    const length = msg[offset]!;
    labels.push(msg.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += 1 + length;
  }
  const end = offset + 5;
  if (end > msg.length) return null;
  return { id: msg.readUInt16BE(0), name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(offset + 1), raw: msg.subarray(12, end) };
}

function addressBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  // A dotted IPv4 tail (`::ffff:127.0.0.1`) becomes its two hex groups.
  const address = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = [...groups(head), ...Array<string>(address.includes('::') ? missing : 0).fill('0'), ...groups(tail)];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function record(address: string, type: number): Buffer {
  const rdata = addressBytes(address);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // class IN
  head.writeUInt32BE(0, 6); // TTL 0: never cached
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

function reply(q: Question, rcode: number, answers: Buffer[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  header.writeUInt16BE(0x8180 | rcode, 2); // response, recursion desired and available
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, q.raw, ...answers]);
}

export class TestDnsServer {
  private readonly table = new Map<string, Answer>();
  private readonly counts = new Map<string, number>();

  private constructor(private readonly socket: Socket, readonly address: string) {}

  static async start(): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    const server = new TestDnsServer(socket, `127.0.0.1:${socket.address().port}`);
    socket.on('message', (msg, from) => server.answer(msg, from));
    return server;
  }

  /** What `name` resolves to from now on (IPv4 and IPv6 addresses mixed, each served to its type). */
  set(name: string, answer: Answer): void {
    this.table.set(name.toLowerCase(), answer);
  }

  /** How many A queries `name` has had. */
  queries(name: string): number {
    return this.counts.get(name.toLowerCase()) ?? 0;
  }

  private answer(msg: Buffer, from: RemoteInfo): void {
    const q = parseQuestion(msg);
    if (q === null) return;
    // Counted on A queries only, so one connection (an A and an AAAA query) counts once.
    const count = (this.counts.get(q.name) ?? 0) + (q.type === typeA ? 1 : 0);
    this.counts.set(q.name, count);
    const entry = this.table.get(q.name);
    let out: Buffer;
    if (entry === undefined) {
      out = reply(q, rcodeNxDomain, []);
    } else {
      const addresses = typeof entry === 'function' ? entry(Math.max(count, 1)) : entry;
      const wanted = addresses.filter((a) => (q.type === typeA ? isIPv4(a) : q.type === typeAaaa && isIPv6(a)));
      out = reply(q, 0, wanted.map((a) => record(a, q.type)));
    }
    this.socket.send(out, from.port, from.address);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
