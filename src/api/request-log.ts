import type { FastifyInstance } from 'fastify';

/**
 * One log line per answered request, at `debug` (at ingest rates, `info` lines per request would
 * dominate the logs; errors are logged at `error` by the error handler anyway). Fastify's request
 * logger adds `reqId` (the client's `svix-req-id`, or a generated one). Logged: method, the route
 * pattern (`/api/v1/app/:app_id/msg`, never the raw URL, whose query could carry a portal token),
 * status and duration; never headers or bodies.
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, route: request.routeOptions.url ?? 'unmatched', statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request answered');
  });
}
