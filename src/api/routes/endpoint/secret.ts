import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ValidationError, type ValidationItem } from '../../../domain/errors.js';
import { activeSecrets, generateSecret, secretPrefix, type SecretBox, type SigningSecret } from '../../../domain/secrets.js';
import type { Endpoint } from '../../../domain/types.js';
import type { ApiDeps } from '../../context.js';
import { findApp, findEndpoint } from '../../lookup.js';
import { EndpointPath, Nullable } from '../../schemas.js';

/**
 * `GET …/secret` and `POST …/secret/rotate`. An endpoint keeps its signing secrets sealed as one
 * list, current first; rotation puts the new key first and keeps the old one (with `expiresAt`)
 * so that requests are signed with both during the grace period (DESIGN §7: 24 h by default).
 */

/** Svix's `EndpointSecret` pattern; Herald signs with HMAC only, so only `whsec_` (or no prefix) is taken. */
export const EndpointSecret = Type.String({ pattern: '^(whsec_|whsk_|whsk1_|whpk_|whpk1_)?[a-zA-Z0-9+/=]{32,100}$' });
export const rotationGraceSecondsDefault = 24 * 60 * 60;
const rotationGraceSecondsMax = 7 * 24 * 60 * 60;
/** DESIGN §7: 24–64 random bytes. A shorter key is too weak to sign with. */
const secretBytesMin = 24;

export const EndpointSecretRotateIn = Type.Object({
  key: Type.Optional(Nullable(EndpointSecret)),
  gracePeriodSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: rotationGraceSecondsMax }))),
});

/**
 * A user-supplied secret in the form the API returns and the profiles sign with: `whsec_` +
 * base64. Problems are returned as 422 items at `loc`.
 */
export function normalizeSecret(key: string, loc: string[]): { key: string } | { problems: ValidationItem[] } {
  const asymmetric = /^(whsk_|whsk1_|whpk_|whpk1_)/.exec(key);
  if (asymmetric) {
    return { problems: [{ loc, msg: `${asymmetric[1]} (asymmetric) keys are not supported; give a whsec_ secret or none`, type: 'value_error' }] };
  }
  const body = key.startsWith(secretPrefix) ? key.slice(secretPrefix.length) : key;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || Buffer.from(body, 'base64').length < secretBytesMin) {
    return { problems: [{ loc, msg: `must be base64 of at least ${secretBytesMin} random bytes, optionally prefixed with whsec_`, type: 'value_error' }] };
  }
  return { key: secretPrefix + body };
}

/** Normalizes `key` or throws the 422. */
export function secretOrThrow(key: string, loc: string[]): string {
  const result = normalizeSecret(key, loc);
  if ('problems' in result) throw new ValidationError(result.problems);
  return result.key;
}

/** The sealed list for a new endpoint: the given secret, or a fresh one. */
export function sealNewSecret(box: SecretBox, key: string | null): string {
  return box.seal([{ key: key ?? generateSecret(), expiresAt: null }]);
}

/**
 * The list after rotating to `newKey`: the new key first, the previous current key valid for
 * `graceSeconds` more (dropped when 0), and earlier keys kept only while still in force.
 */
export function rotatedSecrets(secrets: SigningSecret[], newKey: string, now: Date, graceSeconds: number): SigningSecret[] {
  const next: SigningSecret[] = [{ key: newKey, expiresAt: null }];
  const expiresAt = new Date(now.getTime() + graceSeconds * 1000).toISOString();
  for (const s of activeSecrets(secrets, now)) {
    if (s.key === newKey) continue;
    if (s.expiresAt === null) {
      if (graceSeconds > 0) next.push({ key: s.key, expiresAt });
    } else {
      next.push(s);
    }
  }
  return next;
}

export function currentSecret(box: SecretBox, endpoint: Endpoint): string {
  const secrets = box.open(endpoint.secrets);
  const current = secrets.find((s) => s.expiresAt === null) ?? secrets[0];
  if (!current) throw new Error(`endpoint ${endpoint.id} has no signing secret`);
  return current.key;
}

/** Rotates to `body.key` (or a generated key), keeping the old one for the grace period; one write. */
export async function rotateEndpointSecret(
  herald: Pick<ApiDeps, 'store' | 'clock' | 'secretBox'>,
  endpoint: Endpoint,
  body: { key?: string | null; gracePeriodSeconds?: number | null },
): Promise<void> {
  const newKey = body.key != null ? secretOrThrow(body.key, ['body', 'key']) : generateSecret();
  const now = herald.clock.now();
  const secrets = rotatedSecrets(herald.secretBox.open(endpoint.secrets), newKey, now, body.gracePeriodSeconds ?? rotationGraceSecondsDefault);
  await herald.store.endpointUpdate({ ...endpoint, secrets: herald.secretBox.seal(secrets), updatedAt: now });
}

export const endpointSecretRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/app/:app_id/endpoint/:endpoint_id/secret', { schema: { params: EndpointPath } }, async (request) => {
    const application = await findApp(request, request.params.app_id);
    const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
    return { key: currentSecret(app.herald.secretBox, endpoint) };
  });

  app.post(
    '/app/:app_id/endpoint/:endpoint_id/secret/rotate',
    {
      schema: { params: EndpointPath, body: EndpointSecretRotateIn },
      // Every field is optional, so a POST without a body means "rotate to a generated key".
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const application = await findApp(request, request.params.app_id);
      const endpoint = await findEndpoint(request, application, request.params.endpoint_id);
      await rotateEndpointSecret(app.herald, endpoint, request.body);
      return reply.code(204).send();
    },
  );
};
