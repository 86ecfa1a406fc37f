import type { IncomingMessage, ServerResponse } from 'node:http';
import { verify, type VerifiedWebhook } from '../verify.js';
import { failureResponse, maxBodyBytesDefault, tooLarge, webhookProperty, type VerifierOptions } from './common.js';

/**
 * node:http: read the raw body from the request stream, verify it, answer failures.
 */

/** Reads the whole body as bytes, refusing more than `limit` (413). */
export async function readRawBody(req: IncomingMessage, limit: number = maxBodyBytesDefault): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Verifies a request whose body has not been read yet. */
export async function verifyNodeRequest(req: IncomingMessage, options: VerifierOptions): Promise<VerifiedWebhook> {
  const rawBody = await readRawBody(req, options.maxBodyBytes);
  return verify({ ...options, headers: req.headers, rawBody });
}

export function sendFailure(res: ServerResponse, err: unknown): void {
  const { status, body } = failureResponse(err);
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export type NodeWebhookHandler = (webhook: VerifiedWebhook, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * A `http.createServer` listener: verifies, then calls `handler` with the webhook (also on
 * `req.webhook`); a failed verification is answered with its status and `{error, message}`.
 */
export function nodeHandler(options: VerifierOptions, handler: NodeWebhookHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    verifyNodeRequest(req, options).then(
      async (webhook) => {
        (req as unknown as Record<string, unknown>)[webhookProperty] = webhook;
        await handler(webhook, req, res);
      },
      (err: unknown) => sendFailure(res, err),
    ).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end();
      process.emitWarning(`webhook handler failed: ${String(err)}`);
    });
  };
}
