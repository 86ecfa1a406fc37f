import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HeraldError, NotFoundError, ValidationError } from '../domain/errors.js';
import { ajvToValidationItems } from './validation.js';

/**
 * The one place errors become HTTP answers. Domain errors go out as `{code, detail}` with their
 * status (422 as `{detail: [{loc, msg, type}]}`); Fastify's own client errors keep their 4xx
 * status in the same shape; anything else is logged and answered 500 without internals.
 * Three doors lead here: the route error handler, Fastify's `frameworkErrors` (a URL it cannot
 * decode, a path parameter over `maxParamLength`: raised before routing, so no route or auth has
 * run) and Node's `clientError` (a request that is not HTTP, oversize headers).
 */
function errorAnswer(err: FastifyError | HeraldError | Error, log: FastifyBaseLogger): { status: number; body: unknown } {
  if (err instanceof ValidationError) return { status: 422, body: { detail: err.items } };
  if (err instanceof HeraldError) return { status: err.status, body: { code: err.code, detail: err.detail } };
  const fe = err as FastifyError;
  if (fe.validation) {
    return { status: 422, body: { detail: ajvToValidationItems(fe.validation as never, fe.validationContext ?? 'body') } };
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { code: clientErrorCode(fe.statusCode), detail: fe.message } };
  }
  log.error({ err }, 'unhandled error');
  return { status: 500, body: { code: 'internal_error', detail: 'internal server error' } };
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HeraldError | Error, request, reply) => {
    const { status, body } = errorAnswer(err, request.log);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request) => {
    throw new NotFoundError(`no route for ${request.method} ${request.url.split('?')[0]}`);
  });
}

/** Fastify's `frameworkErrors` option: answered like any other error. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = errorAnswer(err, request.log);
  void reply.code(status).send(body);
}

/**
 * Fastify's `clientErrorHandler` option: Node found no HTTP request to route (a malformed request
 * line, headers over the size limit, a request that timed out), so the answer is written on the
 * socket, as Fastify's default handler does, in Herald's body shape.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let detail = 'the request is not valid HTTP';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') [status, detail] = [408, 'the request took too long to arrive'];
  else if (err.code === 'HPE_HEADER_OVERFLOW') [status, detail] = [431, 'the request headers are too large'];
  const body = JSON.stringify({ code: clientErrorCode(status), detail });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${httpReason[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

const httpReason: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function clientErrorCode(status: number): string {
  switch (status) {
    case 404:
      return 'not_found';
    case 408:
      return 'request_timeout';
    case 413:
      return 'payload_too_large';
    case 414:
      return 'uri_too_long';
    case 415:
      return 'unsupported_media_type';
    case 431:
      return 'headers_too_large';
    default:
      return 'bad_request';
  }
}
