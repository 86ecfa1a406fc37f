import type { FastifyPluginAsync } from 'fastify';
import { applicationRoutes } from './application.js';
import { attemptRequestRoutes } from './attempt-request.js';
import { attemptRoutes } from './attempt.js';
import { backgroundTaskRoutes } from './background-task.js';
import { authRoutes } from './auth.js';
import { endpointRoutes } from './endpoint/index.js';
import { eventTypeImportRoutes } from './event-type-import.js';
import { eventTypeRoutes } from './event-type.js';
import { healthRoutes } from './health.js';
import { listenRoutes } from './listen.js';
import { messageRoutes } from './message.js';
import { operationalWebhookRoutes } from './operational-webhook.js';
import { profileRoutes } from './profile.js';

/** Every resource plugin, registered under `/api/v1` by `buildApp`. */
export const routes: FastifyPluginAsync[] = [healthRoutes, applicationRoutes, eventTypeRoutes, eventTypeImportRoutes, messageRoutes, endpointRoutes, attemptRoutes, attemptRequestRoutes, authRoutes, backgroundTaskRoutes, profileRoutes, operationalWebhookRoutes, listenRoutes];
