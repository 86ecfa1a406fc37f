import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError, ValidationError } from '../../../domain/errors.js';
import { findApp, findEndpoint } from '../../lookup.js';
import { EndpointPath, EventTypeName } from '../../schemas.js';
import { messageFromInput, messageOut, withApp } from '../message.js';

/**
 * `POST …/send-example`: sends one of an event type's catalog examples
 * (`schemas["1"].examples[exampleIndex]`) as a new message of that type, delivered to this
 * endpoint only, whatever its filters say. Answers 202 with the `MessageOut`, like a message send.
 * As in Svix, `svix.ping` needs no event type: it sends `{"success": true}`.
 */
export const EventExampleIn = Type.Object({
  eventType: EventTypeName,
  exampleIndex: Type.Optional(Type.Integer({ minimum: 0 })),
});

const pingEventType = 'svix.ping';
const pingPayload = { success: true };

export const endpointSendExampleRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/app/:app_id/endpoint/:endpoint_id/send-example', { schema: { params: EndpointPath, body: EventExampleIn } }, async (request, reply) => {
    const { store, clock, config } = app.herald;
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    const { eventType: name, exampleIndex = 0 } = request.body;
    const eventType = await store.eventTypeGet({ name });
    let payload: unknown;
    if ((!eventType || eventType.archived) && name === pingEventType) {
      payload = pingPayload;
    } else {
      if (!eventType || eventType.archived) throw new NotFoundError(`event type ${name} not found`);
      const examples = (eventType.schemas?.['1'] as { examples?: unknown } | undefined)?.examples;
      if (!Array.isArray(examples) || examples.length === 0) {
        throw ValidationError.field(['body', 'eventType'], `event type ${name} has no examples (schemas["1"].examples)`, 'value_error.example');
      }
      if (exampleIndex >= examples.length) {
        throw ValidationError.field(['body', 'exampleIndex'], `event type ${name} has ${examples.length} example(s); the index must be below that`, 'value_error.example');
      }
      payload = examples[exampleIndex];
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw ValidationError.field(['body', 'exampleIndex'], 'this example is not a JSON object, so it cannot be a message payload', 'value_error.example');
      }
    }
    const input = { eventType: name, payload: payload as Record<string, unknown> };
    const now = clock.now();
    const message = withApp(messageFromInput(input, now, config, ['body']), application.id);
    // The example must match the event type's schema like any payload; a failure names it as
    // `body.exampleIndex.payload.…`.
    await app.payloadSchemas.check([input], () => ['body', 'exampleIndex']);
    await store.messageInsert({ items: [{ message, endpointIds: [endpoint.id] }], now });
    app.herald.onDeliveriesQueued?.();
    return reply.code(202).send(messageOut(message));
  });
};
