import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { UnavailableError } from '../domain/errors.js';
import { registerAuth } from './auth.js';
import type { ApiDeps } from './context.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandler } from './errors.js';
import { registerIdempotency } from './idempotency.js';
import { registerRateLimit } from './rate-limit.js';
import { IngestLookups } from './ingest-lookups.js';
import { registerOperational } from './operational.js';
import { registerRequestLog } from './request-log.js';
import { PayloadSchemas } from './payload-schema.js';
import { registerJsonParser, validatorCompiler } from './validation.js';
import { metricsRoutes } from './routes/metrics.js';
import { routes } from './routes/index.js';
import { registerWeb } from './web.js';

export type HeraldApp = FastifyInstance;

/** Longest path parameter the router accepts (Fastify's `maxParamLength`); longer is 414. */
export const pathParamLengthMax = 1024;

/**
 * Builds the HTTP app without listening (`src/main.ts` listens; tests use `inject()`).
 * Every route lives under `/api/v1`, in one plugin per resource (`routes/`); each plugin uses
 * the TypeBox type provider so that handlers see typed bodies.
 */
export function buildApp(deps: ApiDeps): HeraldApp {
  const app = Fastify({
    ...serverOptions(deps),
    bodyLimit: deps.config.maxPayloadBytes,
    // Request ids for the logs; a client's svix-req-id is kept when it sends one.
    requestIdHeader: 'svix-req-id',
    // Fastify's own 503 while closing has a body of its own shape; `refuseWhileClosing` answers it.
    return503OnClosing: false,
    // A uid or event-type name may be 256 characters (Fastify's default limit is 100); a longer
    // parameter then meets the route schema and its 422, and only absurd ones a 414.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: pathParamLengthMax },
  }) as unknown as FastifyInstance;
  app.decorate('herald', deps);
  // Ingest's reads of apps, endpoints and event types, cached (`ingest-lookups.ts`).
  const ingestLookups = new IngestLookups(deps.store);
  app.addHook('onClose', async () => ingestLookups.close());
  app.decorate('ingestLookups', ingestLookups);
  app.decorate('payloadSchemas', new PayloadSchemas(ingestLookups));
  app.setValidatorCompiler(validatorCompiler);
  registerJsonParser(app, deps.config.maxJsonDepth);
  registerErrorHandler(app);
  registerRequestLog(app);
  refuseWhileClosing(app);
  registerAuth(app);
  registerRateLimit(app);
  registerIdempotency(app);
  registerOperational(app);
  for (const plugin of routes) app.register(plugin, { prefix: '/api/v1' });
  app.register(metricsRoutes);
  // Console, tenant portal, their session routes and the request inspector (`web.ts`).
  registerWeb(app);
  return app;
}

/** What every Herald listener shares: the logger, quiet request logging, Herald's error shape. */
export function serverOptions(deps: ApiDeps) {
  return {
    loggerInstance: deps.logger,
    // Two info lines per request would dominate the logs at ingest rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors Fastify raises before routing, and requests Node cannot parse, get Herald's shape too.
    frameworkErrors,
    clientErrorHandler,
  };
}

/**
 * Requests that arrive once `close()` has begun (on a kept-alive connection; the listener is
 * already closed) are answered 503 through the error handler, before authentication, where
 * Fastify's `return503OnClosing` would send its own body. Fastify adds `Connection: close`.
 */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new UnavailableError('Herald is shutting down; retry the request');
  });
}
