import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../domain/errors.js';
import { binTtlSecondsDefault, binTtlSecondsMax, InspectorBins, type Bin, type CapturedRequest } from '../../inspector/bins.js';
import { getProfile, profileNameDefault, profileNames } from '../../profiles/index.js';
import { adminOnly } from '../lookup.js';
import { iso } from '../schemas.js';
import { publicBaseUrl } from './auth.js';

/**
 * The request inspector (`src/inspector/bins.ts` holds the bins and their limits):
 * - `POST /in/{bin}` (also PUT, PATCH), no token: captures the request, whatever its content
 *   type, and checks its signature under the bin's profile and secret; 200 `{id}`;
 * - under `/api/v1/inspector/bin`, organisation only: create (201), list, get, delete (204), the
 *   captured requests (newest first), and `…/stream`, Server-Sent Events: one `request` event per
 *   captured request, those already in the bin first, then live ones as they arrive.
 * A captured request keeps every header but `cookie`: a browser posting from Herald's own pages
 * would otherwise hand its session cookie to whoever reads the bin.
 */
export const inspectorHeartbeatMsDefault = 15_000;

const BinPath = Type.Object({ bin_id: Type.String({ minLength: 1, maxLength: 64 }) });
const BinIn = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 256 })),
  profile: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  secret: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 512 }), Type.Null()])),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: binTtlSecondsMax })),
});

function binOut(request: FastifyRequest, bin: Bin) {
  return {
    id: bin.id,
    name: bin.name,
    profile: bin.profile,
    secret: bin.secret,
    url: `${publicBaseUrl(request)}/in/${bin.id}`,
    createdAt: iso(bin.createdAt),
    expiresAt: iso(bin.expiresAt),
    requestCount: bin.requests.length,
  };
}

export function capturedOut(r: CapturedRequest) {
  return { ...r, receivedAt: iso(r.receivedAt) };
}

const list = <T>(data: T[]) => ({ data, iterator: null, prevIterator: null, done: true });

function headerRecord(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie') out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** `POST /in/{bin}`: its own context, so that any content type arrives as raw bytes. */
function captureRoutes(bins: InspectorBins): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.route<{ Params: { bin_id: string } }>({
      method: ['POST', 'PUT', 'PATCH'],
      url: '/in/:bin_id',
      schema: { params: BinPath },
      handler: async (request) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const captured = bins.capture(request.params.bin_id, { method: request.method, url: request.url, headers: headerRecord(request), body });
        return { id: captured.id };
      },
    });
  };
}

/** Streams a bin's requests as Server-Sent Events until the client leaves, the bin ends or Herald stops. */
function streamBin(bins: InspectorBins, streams: Set<() => void>, binId: string, request: FastifyRequest, reply: FastifyReply): void {
  const bin = bins.get(binId);
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  // Node holds the headers until the first write: without this line an empty bin's page would
  // wait for the first heartbeat to learn that it is live.
  raw.write(': open\n\n');
  const send = (r: CapturedRequest) => raw.write(`event: request\ndata: ${JSON.stringify(capturedOut(r))}\n\n`);
  bin.requests.forEach(send);
  const unsubscribe = bins.subscribe(binId, send);
  const heartbeat = setInterval(() => {
    try {
      bins.get(binId);
      raw.write(': keep-alive\n\n');
    } catch {
      raw.write('event: expired\ndata: {}\n\n');
      end();
    }
  }, inspectorHeartbeatMsDefault);
  const end = () => {
    clearInterval(heartbeat);
    unsubscribe();
    streams.delete(end);
    raw.end();
  };
  streams.add(end);
  request.raw.once('close', end);
}

function binRoutes(app: FastifyInstance, bins: InspectorBins): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const streams = new Set<() => void>();
  // An open stream would keep `close()` waiting for its connection.
  app.addHook('preClose', async () => [...streams].forEach((end) => end()));
  const opts = { onRequest: adminOnly, schema: { params: BinPath } };

  typed.post('/api/v1/inspector/bin', { onRequest: adminOnly, schema: { body: BinIn } }, async (request, reply) => {
    const profile = request.body.profile ?? profileNameDefault;
    if (!getProfile(profile)) {
      throw new ValidationError([{ loc: ['body', 'profile'], msg: `unknown profile "${profile}"; known: ${profileNames().join(', ')}`, type: 'value_error.profile' }]);
    }
    const bin = bins.create({ name: request.body.name ?? '', profile, secret: request.body.secret ?? null, ttlSeconds: request.body.ttlSeconds ?? binTtlSecondsDefault });
    return reply.code(201).send(binOut(request, bin));
  });
  typed.get('/api/v1/inspector/bin', { onRequest: adminOnly }, async (request) => list(bins.list().map((b) => binOut(request, b))));
  typed.get('/api/v1/inspector/bin/:bin_id', opts, async (request) => binOut(request, bins.get(request.params.bin_id)));
  typed.delete('/api/v1/inspector/bin/:bin_id', opts, async (request, reply) => {
    bins.get(request.params.bin_id);
    bins.delete(request.params.bin_id);
    return reply.code(204).send();
  });
  typed.get('/api/v1/inspector/bin/:bin_id/request', opts, async (request) => list([...bins.get(request.params.bin_id).requests].reverse().map(capturedOut)));
  typed.get('/api/v1/inspector/bin/:bin_id/stream', opts, async (request, reply) => streamBin(bins, streams, request.params.bin_id, request, reply));
}

/** Registered at the root by `buildApp`: the paths are absolute. */
export const inspectorRoutes: FastifyPluginAsync = async (app) => {
  const bins = new InspectorBins(app.herald.clock);
  binRoutes(app, bins);
  await app.register(captureRoutes(bins));
};
