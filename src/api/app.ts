import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.js';
import type { ApiDeps } from './context.js';
import { registerErrorHandler } from './errors.js';
import { registerIdempotency } from './idempotency.js';
import { registerJsonParser, validatorCompiler } from './validation.js';
import { routes } from './routes/index.js';

export type HeraldApp = FastifyInstance;

/**
 * Builds the HTTP app without listening (`src/main.ts` listens; tests use `inject()`).
 * Every route lives under `/api/v1`, in one plugin per resource (`routes/`); each plugin uses
 * the TypeBox type provider so that handlers see typed bodies.
 */
export function buildApp(deps: ApiDeps): HeraldApp {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.config.maxPayloadBytes,
    // Request ids for the logs; a client's svix-req-id is kept when it sends one.
    requestIdHeader: 'svix-req-id',
    // Two info lines per request would dominate the logs at ingest rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
  }) as unknown as FastifyInstance;
  app.decorate('herald', deps);
  app.setValidatorCompiler(validatorCompiler);
  registerJsonParser(app, deps.config.maxJsonDepth);
  registerErrorHandler(app);
  registerAuth(app);
  registerIdempotency(app);
  for (const plugin of routes) app.register(plugin, { prefix: '/api/v1' });
  return app;
}
