import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * Forwards one relayed delivery to the local receiver with node:http, so that the request carries
 * exactly Herald's headers and body bytes (fetch would add headers of its own), and reads the
 * answer: status, headers and the first 16 KiB of the body.
 */
export interface LocalAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const bodyMaxBytes = 16 * 1024;
/** Hop-by-hop and per-connection headers are the local connection's own. */
const skipped = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);

export function forward(target: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<LocalAnswer> {
  const bytes = Buffer.from(body, 'utf8');
  const outgoing: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!skipped.has(name.toLowerCase())) outgoing[name] = value;
  outgoing['content-length'] = String(bytes.length);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'POST', headers: outgoing, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < bodyMaxBytes) chunks.push(chunk.subarray(0, bodyMaxBytes - size));
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: flatten(res.headers), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(bytes);
  });
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
