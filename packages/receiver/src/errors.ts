/**
 * Why a request failed verification. Every error is a `WebhookVerificationError` with a `code`
 * that scripts can switch on and a `message` that says exactly what is wrong, and the HTTP
 * status a receiver should answer with (`status`).
 */
export type VerificationErrorCode =
  | 'missing_header'
  | 'invalid_header'
  | 'invalid_secret'
  | 'unknown_profile'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'signature_mismatch'
  | 'invalid_body'
  | 'body_too_large';

export class WebhookVerificationError extends Error {
  override readonly name: string = 'WebhookVerificationError';
  /** The HTTP status a receiver should answer: 400 for malformed requests, 401 for failed checks. */
  readonly status: number;
  constructor(
    readonly code: VerificationErrorCode,
    message: string,
    status = 401,
  ) {
    super(message);
    this.status = status;
  }
}

/** A header the profile needs is absent. */
export class MissingHeaderError extends WebhookVerificationError {
  override readonly name = 'MissingHeaderError';
  constructor(
    /** The header names looked for (any one of them would have done). */
    readonly headers: readonly string[],
    hint = '',
  ) {
    super('missing_header', `missing header ${headers.join(' or ')}${hint}`, 400);
  }
}

/** A header is present but malformed (a timestamp that is not a number, a signature list without `v1,`). */
export class InvalidHeaderError extends WebhookVerificationError {
  override readonly name = 'InvalidHeaderError';
  constructor(
    readonly header: string,
    detail: string,
  ) {
    super('invalid_header', `invalid ${header} header: ${detail}`, 400);
  }
}

/** The secret given to `verify` cannot be a key for this profile (empty, not base64, …). */
export class InvalidSecretError extends WebhookVerificationError {
  override readonly name = 'InvalidSecretError';
  constructor(detail: string) {
    super('invalid_secret', `invalid secret: ${detail}`, 500);
  }
}

/** The signature is valid but the timestamp is outside the tolerance: a replay or a wrong clock. */
export class TimestampError extends WebhookVerificationError {
  override readonly name = 'TimestampError';
  constructor(
    code: 'stale_timestamp' | 'future_timestamp',
    readonly timestamp: Date,
    /** Seconds between the timestamp and now: positive when the timestamp is in the past. */
    readonly ageSeconds: number,
    readonly toleranceSeconds: number,
  ) {
    const iso = timestamp.toISOString();
    super(
      code,
      code === 'stale_timestamp'
        ? `stale timestamp: the signature is valid, but the timestamp is ${ageSeconds} s old (${iso}), beyond the tolerance of ${toleranceSeconds} s (a replay, or a capture verified too late)`
        : `timestamp in the future: the signature is valid, but the timestamp is ${-ageSeconds} s ahead (${iso}), beyond the tolerance of ${toleranceSeconds} s; check this machine's clock`,
    );
  }
}

/**
 * Why no signature matched, as far as the verifier can tell:
 * - `body-changed`: the request verifies once the body is put back the way it was signed (for
 *   example a JSON parser re-serialised it); `detail` names the change;
 * - `secret-encoding`: it verifies with the same secret read the way another profile reads it,
 *   so the profile (or the way the key was decoded) is wrong;
 * - `wrong-secret-or-body-changed`: nothing matches; an HMAC cannot tell a wrong secret from a
 *   changed body, so both are named.
 */
export type MismatchReason = 'body-changed' | 'secret-encoding' | 'wrong-secret-or-body-changed';

export class SignatureMismatchError extends WebhookVerificationError {
  override readonly name = 'SignatureMismatchError';
  constructor(
    readonly reason: MismatchReason,
    message: string,
  ) {
    super('signature_mismatch', message);
  }
}
