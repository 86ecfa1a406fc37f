import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressVerifier, fastifyVerifier, nodeHandler, rawJsonBody, readRawBody, signHeaders, webHandler, webhookOf, type VerifiedWebhook, type VerifierOptions } from '@herald/receiver';
import { expectCall, profileApp, profileEndpoint, sendMessage } from '../helpers/profile-e2e.js';
import { useHerald, waitFor } from '../helpers/server.js';

/**
 * The receiver SDK behind each framework it supports, fed by a real Herald: every profile's
 * requests verify, and tampered, wrongly signed and stale requests are refused with a status and
 * a message that names the problem.
 */
type Routes = Record<string, VerifierOptions>;
interface Receiver {
  url: string;
  close(): Promise<void>;
}
type Seen = (framework: string, route: string, webhook: VerifiedWebhook) => void;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}
const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

const frameworks: Record<string, (routes: Routes, seen: Seen) => Promise<Receiver>> = {
  async express(routes, seen) {
    const app = express();
    for (const [path, options] of Object.entries(routes)) {
      app.post(path, expressVerifier(options), (req, res) => {
        seen('express', path, webhookOf(req));
        res.status(204).end();
      });
    }
    const server = createServer(app);
    return { url: await listen(server), close: () => closeServer(server) };
  },
  async fastify(routes, seen) {
    const app = Fastify();
    await app.register(async (scope) => {
      rawJsonBody(scope);
      for (const [path, options] of Object.entries(routes)) {
        scope.post(path, { preHandler: fastifyVerifier(options) }, async (request, reply) => {
          seen('fastify', path, webhookOf(request));
          return reply.code(204).send();
        });
      }
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, close: () => app.close() };
  },
  async node(routes, seen) {
    const handlers = Object.entries(routes).map(([path, options]) => [path, nodeHandler(options, (webhook, _req, res) => {
      seen('node', path, webhook);
      res.writeHead(204).end();
    })] as const);
    const server = createServer((req, res) => {
      const handler = handlers.find(([path]) => path === req.url)?.[1];
      if (handler) handler(req, res);
      else res.writeHead(404).end();
    });
    return { url: await listen(server), close: () => closeServer(server) };
  },
  /** Web-standard handlers (Hono, Next.js), behind a node:http adapter as their runtimes do it. */
  async web(routes, seen) {
    const handlers = new Map(Object.entries(routes).map(([path, options]) => [path, webHandler(options, (webhook) => {
      seen('web', path, webhook);
      return new Response(null, { status: 204 });
    })]));
    const server = createServer(async (req, res) => {
      const handler = handlers.get(req.url ?? '');
      if (!handler) return void res.writeHead(404).end();
      const body = await readRawBody(req);
      const response = await handler(new Request(`http://local${req.url}`, { method: 'POST', headers: req.headers as Record<string, string>, body }));
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
    });
    return { url: await listen(server), close: () => closeServer(server) };
  },
};

const profiles = [
  { route: '/standard', profile: 'standard', options: {} },
  { route: '/svix', profile: 'standard', options: { headerNames: 'svix' } },
  { route: '/paradym', profile: 'paradym', options: {} },
  { route: '/dbt-cloud', profile: 'dbt-cloud', options: {} },
  { route: '/atscale', profile: 'atscale', options: {} },
] as const;

describe('receiver SDK: real Herald deliveries through every framework', () => {
  const e2e = useHerald();
  const seen: { framework: string; route: string; webhook: VerifiedWebhook }[] = [];
  const receivers: Record<string, Receiver> = {};
  const secrets: Record<string, string> = {};
  let appId = '';

  beforeAll(async () => {
    const herald = e2e.herald;
    for (const p of ['paradym', 'dbt-cloud', 'atscale']) await expectCall(herald, 'POST', `/event-type/import/profile/${p}`, 200);
    appId = (await profileApp(herald, 'standard', '4242')).id;
    // Secrets first (one per route), so the receivers can start before the endpoints exist.
    for (const p of profiles) secrets[p.route] = `whsec_${Buffer.from(`${p.route}-secret-for-the-sdk-e2e-0123456789`).toString('base64')}`;
    const routes: Routes = Object.fromEntries(profiles.map((p) => [p.route, { profile: p.profile === 'atscale' ? 'atscale' : p.profile, secret: secrets[p.route]! }]));
    for (const [name, start] of Object.entries(frameworks)) {
      receivers[name] = await start(routes, (framework, route, webhook) => seen.push({ framework, route, webhook }));
      for (const p of profiles) {
        await profileEndpoint(herald, appId, { url: `${receivers[name]!.url}${p.route}`, profile: p.profile, profileOptions: p.options, secret: secrets[p.route], filterTypes: null });
      }
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(receivers).map((r) => r.close()));
  });

  it('verifies every profile in every framework, and Herald records the 204s', async () => {
    const payload = { job_id: '7', run_id: 1, note: 'wörld ✓' };
    const msg = await sendMessage(e2e.herald, appId, { eventType: 'sdk.test', payload });
    const expected = Object.keys(frameworks).length * profiles.length;
    await waitFor('every receiver to verify the message', async () => seen.length >= expected);
    for (const framework of Object.keys(frameworks)) {
      for (const p of profiles) {
        const got = seen.find((s) => s.framework === framework && s.route === p.route);
        expect(got, `${framework} ${p.route}`).toBeDefined();
        const body = got!.webhook.payload as Record<string, unknown>;
        if (p.profile === 'paradym') expect(body.payload).toEqual(payload);
        else if (p.profile === 'dbt-cloud') expect(body).toMatchObject({ account_id: 4242, data: payload });
        else expect(body).toEqual(payload);
        if (p.profile === 'standard') expect(got!.webhook).toMatchObject({ id: msg.id, headerNames: p.route === '/svix' ? 'svix' : 'webhook' });
      }
    }
    // An outcome is written just after its response arrives (by the delivery thread, in batches):
    // the receivers can have seen every request a moment before the last attempt is listed.
    const attempts = await waitFor('every attempt to be recorded', async () => {
      const list = await expectCall(e2e.herald, 'GET', `/app/${appId}/attempt/msg/${msg.id}`, 200);
      return list.data.length >= expected && list;
    });
    expect(attempts.data.map((a: { responseStatusCode: number }) => a.responseStatusCode)).toEqual(new Array(expected).fill(204));
  });

  it('refuses tampered, wrongly signed and stale requests with a status and a reason', async () => {
    const body = JSON.stringify({ amount: 100 });
    const cases = [
      { name: 'tampered body', route: '/standard', headers: signHeaders({ secret: secrets['/standard']!, body, msgId: 'msg_t' }), body: body.replace('100', '999'), status: 401, error: 'signature_mismatch' },
      { name: 'wrong secret', route: '/paradym', headers: signHeaders({ profile: 'paradym', secret: secrets['/standard']!, body }), body, status: 401, error: 'signature_mismatch' },
      { name: 'stale', route: '/standard', headers: signHeaders({ secret: secrets['/standard']!, body, msgId: 'msg_s', timestamp: Math.floor(Date.now() / 1000) - 3600 }), body, status: 401, error: 'stale_timestamp' },
      { name: 'unsigned', route: '/dbt-cloud', headers: {}, body, status: 400, error: 'missing_header' },
    ];
    for (const [framework, receiver] of Object.entries(receivers)) {
      for (const c of cases) {
        const res = await fetch(`${receiver.url}${c.route}`, { method: 'POST', headers: { ...c.headers, 'content-type': 'application/json' }, body: c.body });
        const answer = (await res.json()) as { error: string; message: string };
        expect([framework, c.name, res.status, answer.error]).toEqual([framework, c.name, c.status, c.error]);
        expect(answer.message.length).toBeGreaterThan(20);
      }
    }
  });
});
