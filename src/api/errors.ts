import type { FastifyError, FastifyInstance } from 'fastify';
import { HeraldError, NotFoundError, RateLimitedError, ValidationError } from '../domain/errors.js';
import { ajvToValidationItems } from './validation.js';

/**
 * The one place errors become HTTP answers. Domain errors go out as `{code, detail}` with their
 * status (422 as `{detail: [{loc, msg, type}]}`); Fastify's own client errors keep their 4xx
 * status in the same shape; anything else is logged and answered 500 without internals.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HeraldError | Error, request, reply) => {
    if (err instanceof ValidationError) return reply.code(422).send({ detail: err.items });
    if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSeconds));
    if (err instanceof HeraldError) return reply.code(err.status).send({ code: err.code, detail: err.detail });
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.code(422).send({ detail: ajvToValidationItems(fe.validation as never, fe.validationContext ?? 'body') });
    }
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send({ code: clientErrorCode(fe), detail: fe.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ code: 'internal_error', detail: 'internal server error' });
  });
  app.setNotFoundHandler((request) => {
    throw new NotFoundError(`no route for ${request.method} ${request.url.split('?')[0]}`);
  });
}

function clientErrorCode(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'payload_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'bad_request';
    default:
      return 'bad_request';
  }
}
