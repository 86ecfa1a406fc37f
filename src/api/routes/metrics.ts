import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../domain/errors.js';
import { HeraldMetrics } from '../../metrics/metrics.js';
import { bearerToken, tokenCaller } from '../auth.js';

/**
 * `GET /metrics`: Prometheus text format. Outside `/api/v1`, where scrapers look for it. It needs
 * the admin token (`Authorization: Bearer …`; Prometheus: `authorization: {credentials_file: …}`)
 * unless `HERALD_METRICS_PUBLIC=true`: the labels carry application and endpoint ids, and the
 * counts are the organisation's business. A portal token gets 403.
 */
export const metricsRoutes: FastifyPluginAsync = async (app) => {
  const metrics = app.herald.metrics ?? new HeraldMetrics();
  let collecting: Promise<void> | null = null;

  async function adminUnlessPublic(request: FastifyRequest): Promise<void> {
    if (app.herald.config.metricsPublic) return;
    const caller = await tokenCaller(app, bearerToken(request));
    if (caller.kind !== 'admin') throw new ForbiddenError('metrics need the organisation token (or HERALD_METRICS_PUBLIC=true)');
  }

  app.get('/metrics', { onRequest: adminUnlessPublic }, async (_request, reply) => {
    // Concurrent scrapes share one read of the queue.
    collecting ??= metrics.collectQueue(app.herald.store, app.herald.clock.now()).finally(() => (collecting = null));
    await collecting;
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.text());
  });
};
