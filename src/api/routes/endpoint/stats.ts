import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ValidationError } from '../../../domain/errors.js';
import { findApp, findEndpoint } from '../../lookup.js';
import { DateTime, EndpointPath, Nullable } from '../../schemas.js';

/**
 * `GET …/stats`: `EndpointStats`, the endpoint's deliveries counted by state, for messages
 * created in [since, until). Both bounds are optional and open when absent (Svix defaults to the
 * last 28 days; Herald's retention already bounds what is left to count).
 */
const StatsQuery = Type.Object({
  since: Type.Optional(Nullable(DateTime)),
  until: Type.Optional(Nullable(DateTime)),
});

export const endpointStatsRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/app/:app_id/endpoint/:endpoint_id/stats', { schema: { params: EndpointPath, querystring: StatsQuery } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    const since = request.query.since == null ? null : new Date(request.query.since);
    const until = request.query.until == null ? null : new Date(request.query.until);
    if (since !== null && until !== null && since > until) {
      throw ValidationError.field(['query', 'since'], 'must not be after until', 'value_error.range');
    }
    return app.herald.store.deliveryStats({ appId: application.id, endpointId: endpoint.id, since, until });
  });
};
