import type { FastifyPluginAsync } from 'fastify';

/** `GET /api/v1/health`: 204 without a token while the store answers. */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/health', async (_request, reply) => {
    await app.herald.store.schemaVersion();
    return reply.code(204).send();
  });
};
