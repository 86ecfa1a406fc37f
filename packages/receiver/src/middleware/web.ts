import { verify, type VerifiedWebhook } from '../verify.js';
import { failureResponse, maxBodyBytesDefault, tooLarge, type VerifierOptions } from './common.js';

/**
 * Web-standard `Request` (Hono, Next.js route handlers, Deno, Bun, Cloudflare Workers): the raw
 * bytes come from `request.arrayBuffer()`, so the body must not have been read before.
 */
export async function verifyRequest(request: Request, options: VerifierOptions): Promise<VerifiedWebhook> {
  const limit = options.maxBodyBytes ?? maxBodyBytesDefault;
  if (Number(request.headers.get('content-length')) > limit) throw tooLarge(limit);
  const rawBody = new Uint8Array(await request.arrayBuffer());
  if (rawBody.byteLength > limit) throw tooLarge(limit);
  return verify({ ...options, headers: request.headers, rawBody });
}

export type WebWebhookHandler = (webhook: VerifiedWebhook, request: Request) => Response | Promise<Response>;

/** A `(request) => Response` handler that verifies first and answers failures with `{error, message}`. */
export function webHandler(options: VerifierOptions, handler: WebWebhookHandler): (request: Request) => Promise<Response> {
  return async (request) => {
    let webhook: VerifiedWebhook;
    try {
      webhook = await verifyRequest(request, options);
    } catch (err) {
      const { status, body } = failureResponse(err);
      return Response.json(body, { status });
    }
    return handler(webhook, request);
  };
}
