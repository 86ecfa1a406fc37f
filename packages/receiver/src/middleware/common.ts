import { WebhookVerificationError } from '../errors.js';
import type { VerifiedWebhook, VerifyOptions } from '../verify.js';

/** What every middleware takes: `verify`'s options without the request parts, plus a body limit. */
export type VerifierOptions = Omit<VerifyOptions, 'headers' | 'rawBody'> & {
  /** Larger bodies are refused with 413 before anything is verified; default 5 MiB. */
  maxBodyBytes?: number;
};

export const maxBodyBytesDefault = 5 * 1024 * 1024;

/** The JSON answer a middleware sends for a failed verification: `{ "error": code, "message" }`. */
export function failureResponse(err: unknown): { status: number; body: { error: string; message: string } } {
  if (err instanceof WebhookVerificationError) return { status: err.status, body: { error: err.code, message: err.message } };
  return { status: 500, body: { error: 'internal_error', message: 'webhook verification failed unexpectedly' } };
}

export function tooLarge(limit: number): WebhookVerificationError {
  return new WebhookVerificationError('body_too_large', `the body is larger than ${limit} bytes`, 413);
}

/** Middlewares store the result on the request under this property; `webhookOf` reads it back. */
export const webhookProperty = 'webhook';

/** The verified webhook a middleware attached to `request` (Express, Fastify or node:http). */
export function webhookOf(request: object): VerifiedWebhook {
  const found = (request as Record<string, unknown>)[webhookProperty];
  if (found === undefined) throw new Error('no verified webhook on this request: is the verifier middleware installed on this route?');
  return found as VerifiedWebhook;
}
