import type { FastifyPluginAsync } from 'fastify';
import { getProfile, profileNames } from '../../profiles/index.js';

/**
 * `GET /profile` (Herald extension, for the console and portal forms): the profiles this Herald
 * knows, with their defaults and the event types of their catalogs, as a one-page list.
 */
export const profileRoutes: FastifyPluginAsync = async (app) => {
  app.get('/profile', async () => {
    const data = profileNames().map((name) => {
      const p = getProfile(name)!;
      return { name, timeoutMs: p.timeoutMs, retrySchedule: p.retrySchedule, catalog: p.catalog.map((e) => e.name) };
    });
    return { data, iterator: null, prevIterator: null, done: true };
  });
};
