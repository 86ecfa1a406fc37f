import { WebhookVerificationError } from '../errors.js';
import { verify } from '../verify.js';
import { failureResponse, webhookProperty, type VerifierOptions } from './common.js';

/**
 * Fastify (4 and 5), typed structurally so that this package needs no Fastify types.
 *
 * `rawJsonBody(instance)` replaces the instance's `application/json` parser with one that keeps
 * the bytes (the body stays a Buffer until it is verified); call it in the encapsulated scope
 * of your webhook routes. `fastifyVerifier(options)` is a `preHandler` that verifies, then sets
 * `request.webhook` and replaces `request.body` with the parsed payload.
 */
interface FastifyLikeInstance {
  hasContentTypeParser(type: string): boolean;
  removeContentTypeParser(type: string): unknown;
  addContentTypeParser(type: string, opts: { parseAs: 'buffer'; bodyLimit?: number }, parser: (req: unknown, body: Buffer, done: (err: Error | null, body?: unknown) => void) => void): unknown;
}
interface FastifyLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}
interface FastifyLikeReply {
  code(status: number): this;
  send(body: unknown): unknown;
}

export function rawJsonBody(instance: FastifyLikeInstance, options: { bodyLimit?: number } = {}): void {
  if (instance.hasContentTypeParser('application/json')) instance.removeContentTypeParser('application/json');
  instance.addContentTypeParser('application/json', { parseAs: 'buffer', ...options }, (_req, body, done) => done(null, body));
}

export function fastifyVerifier(options: VerifierOptions): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<void> {
  return async (request, reply) => {
    try {
      const rawBody = rawBodyOf(request.body);
      const webhook = verify({ ...options, headers: request.headers, rawBody });
      Object.assign(request, { [webhookProperty]: webhook, body: webhook.payload });
    } catch (err) {
      const { status, body } = failureResponse(err);
      await reply.code(status).send(body);
    }
  };
}

function rawBodyOf(body: unknown): Buffer | string {
  if (Buffer.isBuffer(body) || typeof body === 'string') return body;
  throw new WebhookVerificationError('invalid_body', 'the body was already parsed and its bytes are gone: call rawJsonBody(instance) in the scope of this route so that Fastify keeps them', 500);
}
