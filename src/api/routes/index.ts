import type { FastifyPluginAsync } from 'fastify';
import { healthRoutes } from './health.js';

/** Every resource plugin, registered under `/api/v1` by `buildApp`. */
export const routes: FastifyPluginAsync[] = [healthRoutes];
