import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { inspectorRoutes } from './routes/inspector.js';
import { sessionRoutes } from './routes/session.js';

/**
 * Herald's own pages, from the same process and port as the API, with nothing from a CDN: the
 * console at `/`, the tenant portal at `/portal` (one React app, `web/`, built by Vite into
 * `web/dist`; pages route by URL fragment, so only these two paths serve HTML), the session
 * routes and the request inspector.
 *
 * The HTML carries a Content-Security-Policy that allows only Herald's own origin (no inline
 * script, no framing), so an injected string cannot run even if a page ever rendered one.
 */
export const webDistDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));
const pagePaths = ['/', '/portal'];
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Herald</title></head><body>
<h1>Herald's console has not been built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it when needed) and reload this page. The API works without it.</p>
</body></html>`;

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', contentSecurityPolicy).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-cache');
}

export function registerWeb(app: FastifyInstance): void {
  app.register(sessionRoutes);
  app.register(inspectorRoutes);
  const built = existsSync(`${webDistDir}index.html`);
  if (built) {
    app.register(fastifyStatic, {
      root: webDistDir,
      wildcard: false,
      index: false,
      // Vite puts a content hash in every asset name, so they never change under their URL.
      setHeaders: (res, path) => res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
    });
  }
  for (const url of pagePaths) {
    app.get(url, async (_request, reply) => {
      pageHeaders(reply);
      return built ? reply.sendFile('index.html') : reply.type('text/html; charset=utf-8').send(notBuiltPage);
    });
  }
}
