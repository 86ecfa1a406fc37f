import type { FastifyPluginAsync } from 'fastify';
import { endpointCrudRoutes } from './crud.js';
import { endpointHeadersRoutes } from './headers.js';
import { endpointRecoveryRoutes } from './recovery.js';
import { endpointSecretRoutes } from './secret.js';
import { endpointSendExampleRoutes } from './send-example.js';
import { endpointStatsRoutes } from './stats.js';

export { endpointOut } from './crud.js';

/** `/app/{app}/endpoint…`: one plugin per concern, as Svix splits `endpoint/`. */
export const endpointRoutes: FastifyPluginAsync = async (app) => {
  await app.register(endpointCrudRoutes);
  await app.register(endpointSecretRoutes);
  await app.register(endpointHeadersRoutes);
  await app.register(endpointRecoveryRoutes);
  await app.register(endpointSendExampleRoutes);
  await app.register(endpointStatsRoutes);
};
