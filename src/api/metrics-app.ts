import Fastify from 'fastify';
import { serverOptions, type HeraldApp } from './app.js';
import { registerAuth } from './auth.js';
import type { ApiDeps } from './context.js';
import { registerErrorHandler } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';

/**
 * The listener of `HERALD_METRICS_PORT`: `GET /metrics` (the admin token unless
 * `HERALD_METRICS_PUBLIC`, as on the API's port) and `GET /api/v1/health`, nothing else. It is
 * how a `HERALD_ROLE=worker` process, which serves no API, is scraped: its attempt counters and
 * durations are its own, so every worker is a scrape target; the queue gauges are the shared
 * queue's, read from the store.
 */
export function buildMetricsApp(deps: ApiDeps): HeraldApp {
  const app = Fastify(serverOptions(deps)) as unknown as HeraldApp;
  app.decorate('herald', deps);
  registerErrorHandler(app);
  registerAuth(app);
  app.register(healthRoutes, { prefix: '/api/v1' });
  app.register(metricsRoutes);
  return app;
}
