import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ValidationError, type ValidationItem } from '../../../domain/errors.js';
import { isReservedHeaderName } from '../../../profiles/index.js';
import { findApp, findEndpoint } from '../../lookup.js';
import { EndpointPath, NullableStringMap, StringMap } from '../../schemas.js';

/**
 * `GET/PUT/PATCH …/headers`: custom headers sent with every request to the endpoint. Names that
 * Herald writes itself (the signature headers of the endpoint's profile, content-type, host,
 * hop-by-hop headers…) are refused, and names and values must be sendable as HTTP: a token for the name, no
 * CR, LF or other control character in the value (header injection), Latin-1 only.
 */
export const EndpointHeadersIn = Type.Object({ headers: StringMap });
export const EndpointHeadersPatchIn = Type.Object({
  headers: NullableStringMap,
  deleteHeaders: Type.Optional(Type.Array(Type.String())),
});

/**
 * Svix redacts these in `GET …/headers`: their names are listed in `sensitive`, their values
 * withheld. Attempts' recorded request headers withhold them too (`src/api/redact.ts`).
 */
const sensitiveHeaderNames = new Set(['authorization', 'proxy-authorization', 'www-authenticate', 'proxy-authenticate', 'x-auth-token', 'cookie', 'x-api-key']);

export function isSensitiveHeaderName(name: string): boolean {
  return sensitiveHeaderNames.has(name.toLowerCase());
}

const headerCountMax = 64;
const headerNameLengthMax = 256;
const headerValueLengthMax = 8192;
const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// HTAB, visible ASCII, space and obs-text; anything else (CR, LF, NUL, DEL, > U+00FF) cannot be sent.
const valuePattern = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Every problem with a set of custom headers of an endpoint of `profile`, as 422 items under `loc`. */
export function headerProblems(headers: Record<string, string>, loc: string[], profile: string): ValidationItem[] {
  const items: ValidationItem[] = [];
  const seen = new Map<string, string>();
  const names = Object.keys(headers);
  if (names.length > headerCountMax) items.push({ loc, msg: `at most ${headerCountMax} headers`, type: 'value_error.headers' });
  for (const name of names) {
    const at = [...loc, name];
    const value = headers[name]!;
    if (name.length === 0 || name.length > headerNameLengthMax || !tokenPattern.test(name)) {
      items.push({ loc: at, msg: 'not a valid header name: use letters, digits and !#$%&\'*+-.^_`|~ only', type: 'value_error.headers' });
      continue;
    }
    const lower = name.toLowerCase();
    if (isReservedHeaderName(lower, profile)) {
      items.push({ loc: at, msg: `${name} is reserved: Herald sets it on every request of a ${profile} endpoint`, type: 'value_error.headers' });
    }
    const clash = seen.get(lower);
    if (clash !== undefined) items.push({ loc: at, msg: `duplicates ${clash} (header names are case-insensitive)`, type: 'value_error.headers' });
    seen.set(lower, name);
    if (value.length > headerValueLengthMax || !valuePattern.test(value)) {
      items.push({ loc: at, msg: `not a valid header value: no CR, LF or control characters, Latin-1 only, at most ${headerValueLengthMax} characters`, type: 'value_error.headers' });
    }
  }
  return items;
}

export function assertValidHeaders(headers: Record<string, string>, loc: string[], profile: string): void {
  const items = headerProblems(headers, loc, profile);
  if (items.length > 0) throw new ValidationError(items);
}

/** `EndpointHeadersOut`: sensitive values withheld, their names listed. */
export function endpointHeadersOut(headers: Record<string, string>): { headers: Record<string, string>; sensitive: string[] } {
  const out: Record<string, string> = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (isSensitiveHeaderName(name)) sensitive.push(name);
    else out[name] = value;
  }
  return { headers: out, sensitive };
}

/**
 * The headers after a PATCH: a string sets (replacing any existing spelling of the name), null
 * or a name in `deleteHeaders` removes; names compare case-insensitively.
 */
export function patchedHeaders(current: Record<string, string>, patch: Record<string, string | null>, deleteHeaders: string[]): Record<string, string> {
  const removed = new Set([...deleteHeaders.map((n) => n.toLowerCase()), ...Object.keys(patch).map((n) => n.toLowerCase())]);
  const next: Record<string, string> = {};
  for (const [name, value] of Object.entries(current)) if (!removed.has(name.toLowerCase())) next[name] = value;
  for (const [name, value] of Object.entries(patch)) if (value !== null) next[name] = value;
  return next;
}

export const endpointHeadersRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/app/:app_id/endpoint/:endpoint_id/headers', { schema: { params: EndpointPath } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    return endpointHeadersOut(endpoint.headers);
  });

  app.put('/app/:app_id/endpoint/:endpoint_id/headers', { schema: { params: EndpointPath, body: EndpointHeadersIn } }, async (request, reply) => {
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    assertValidHeaders(request.body.headers, ['body', 'headers'], endpoint.profile);
    await app.herald.store.endpointUpdate({ ...endpoint, headers: { ...request.body.headers }, updatedAt: app.herald.clock.now() });
    return reply.code(204).send();
  });

  app.patch(
    '/app/:app_id/endpoint/:endpoint_id/headers',
    { schema: { params: EndpointPath, body: EndpointHeadersPatchIn } },
    async (request, reply) => {
      const application = await findApp(request, request.params.app_id);
      const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
      const { headers, deleteHeaders = [] } = request.body;
      const set: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) if (value !== null) set[name] = value;
      // Validate the new values on their own (their locs name the request), then the result (clashes).
      assertValidHeaders(set, ['body', 'headers'], endpoint.profile);
      const next = patchedHeaders(endpoint.headers, headers, deleteHeaders);
      assertValidHeaders(next, ['body', 'headers'], endpoint.profile);
      await app.herald.store.endpointUpdate({ ...endpoint, headers: next, updatedAt: app.herald.clock.now() });
      return reply.code(204).send();
    },
  );
};
