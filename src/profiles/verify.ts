import { MissingHeaderError, WebhookVerificationError, isProfileName, profileScheme, standardHeaderNames, verify } from '@herald/receiver';
import { getProfile } from './index.js';

/**
 * Receiver-side signature checks for the request inspector: did this captured request come from
 * an endpoint holding `secret`? The checking itself is the receiver SDK's (`packages/receiver`),
 * the one implementation of each scheme that Herald also signs with; this adapter turns its
 * answer into the inspector's status and one sentence.
 */
export type VerificationStatus = 'verified' | 'failed' | 'unsigned' | 'unchecked';

export interface Verification {
  status: VerificationStatus;
  /** One sentence for a person: what was checked and why it passed or not. */
  detail: string;
}

export interface VerifyInput {
  profile: string;
  secret: string | null;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
  now: Date;
}

/** Standard Webhooks' suggested replay window. */
export const signatureToleranceSecondsDefault = 300;

export function verifyRequest(input: VerifyInput): Verification {
  if (!getProfile(input.profile) || !isProfileName(input.profile)) return { status: 'unchecked', detail: `Herald has no profile "${input.profile}"` };
  if (input.secret === null) return { status: 'unchecked', detail: 'the bin has no secret, so signatures are not checked' };
  try {
    const result = verify({ profile: input.profile, secret: input.secret, headers: input.headers, rawBody: input.body, now: input.now, tolerance: signatureToleranceSecondsDefault });
    return { status: 'verified', detail: `the ${result.profile} signature matches the secret` };
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    // No signature header at all: the request was not signed, rather than signed wrongly.
    const unsigned = err instanceof MissingHeaderError && signatureHeadersOf(input.profile).every((name) => input.headers[name] === undefined);
    return { status: unsigned ? 'unsigned' : 'failed', detail: err.message };
  }
}

function signatureHeadersOf(profile: string): string[] {
  const scheme = profileScheme(profile);
  return scheme.kind === 'hex' ? [scheme.header] : [standardHeaderNames.webhook.signature, standardHeaderNames.svix.signature];
}
