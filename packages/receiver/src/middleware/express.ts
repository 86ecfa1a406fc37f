import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookVerificationError } from '../errors.js';
import { verify } from '../verify.js';
import { failureResponse, webhookProperty, type VerifierOptions } from './common.js';
import { readRawBody } from './node.js';

/**
 * Express (4 and 5) middleware, typed structurally so that this package needs no Express types.
 *
 * The raw body comes from, in order: `express.raw()` (a Buffer in `req.body`), `express.text()`
 * (a string), or the request stream when no body parser ran. A body already parsed into an
 * object by `express.json()` cannot be verified (its bytes are gone): that is a 500 that says so.
 * On success `req.webhook` holds the result, `req.rawBody` the bytes and `req.body` the payload.
 */
export interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
}
export interface ExpressLikeResponse extends ServerResponse {
  status(code: number): this;
  json(body: unknown): unknown;
}
export type ExpressLikeNext = (err?: unknown) => void;

export function expressVerifier(options: VerifierOptions): (req: ExpressLikeRequest, res: ExpressLikeResponse, next: ExpressLikeNext) => void {
  return (req, res, next) => {
    rawBodyOf(req, options.maxBodyBytes)
      .then((rawBody) => {
        const webhook = verify({ ...options, headers: req.headers, rawBody });
        Object.assign(req, { [webhookProperty]: webhook, rawBody, body: webhook.payload });
        next();
      })
      .catch((err: unknown) => {
        const { status, body } = failureResponse(err);
        res.status(status).json(body);
      });
  };
}

async function rawBodyOf(req: ExpressLikeRequest, limit: number | undefined): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body, 'utf8');
  // No parser ran (undefined), or Express 4's body-parser skipped this content type ({}).
  const unread = !req.readableEnded && (req.body === undefined || (typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0));
  if (unread) return readRawBody(req, limit);
  throw new WebhookVerificationError('invalid_body', 'the body was already parsed (express.json()?) and its bytes are gone: mount expressVerifier before any body parser, or use express.raw({ type: "application/json" })', 500);
}
