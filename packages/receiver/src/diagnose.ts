import { SignatureMismatchError } from './errors.js';

/**
 * Runs only after every signature failed, to say why. An HMAC cannot tell a wrong secret from a
 * changed body, but the usual accidents can be recognised by trying them: the body reformatted by
 * a JSON parser or an editor, a newline added or dropped by a capture tool, or the secret read the
 * way the other family of profiles reads it. `check` verifies a candidate body with the secrets
 * read either the profile's own way (`own`) or the other way.
 */
export type KeyReading = 'own' | 'other';
export type Check = (body: Buffer, reading: KeyReading) => boolean;

function parsedJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** What the signed body may have been, given the body received; the smallest changes first. */
function bodyVariants(body: Buffer): [what: string, variant: Buffer][] {
  const text = body.toString('utf8');
  const candidates: [string, string][] = [];
  candidates.push(['the body without its trailing newline (one was added after signing)', text.replace(/\r?\n$/, '')]);
  candidates.push(['the body with a trailing newline (it was dropped after signing)', `${text}\n`]);
  candidates.push(['the body with LF line ends (CRLF were put in after signing)', text.replace(/\r\n/g, '\n')]);
  const json = parsedJson(body);
  if (json !== undefined) {
    candidates.push(['the body re-serialised as compact JSON (it was reformatted, e.g. pretty-printed, after signing)', JSON.stringify(json)]);
    candidates.push(['the body pretty-printed as JSON', JSON.stringify(json, null, 2)]);
  }
  return candidates.filter(([, variant]) => variant !== text).map(([what, variant]) => [what, Buffer.from(variant, 'utf8')]);
}

export interface DiagnoseInput {
  check: Check;
  body: Buffer;
  /** e.g. `webhook-signature`, for the messages. */
  header: string;
  signatureCount: number;
  secretCount: number;
  /** How the other reading of the secret would be described, e.g. `the base64 after whsec_ decoded (Standard Webhooks)`. */
  otherReading: string;
}

export function diagnoseMismatch(input: DiagnoseInput): SignatureMismatchError {
  for (const [what, variant] of bodyVariants(input.body)) {
    if (input.check(variant, 'own')) {
      return new SignatureMismatchError('body-changed', `body changed: the signature in ${input.header} matches ${what}, not the bytes given; verify the raw body exactly as received`);
    }
  }
  if (input.check(input.body, 'other')) {
    return new SignatureMismatchError('secret-encoding', `wrong profile or key reading: the signature matches when the key is ${input.otherReading}; verify with the profile the endpoint uses`);
  }
  const secrets = input.secretCount === 1 ? 'the secret given' : `any of the ${input.secretCount} secrets given`;
  return new SignatureMismatchError(
    'wrong-secret-or-body-changed',
    `signature mismatch: none of the ${input.signatureCount} signature(s) in ${input.header} was made with ${secrets} over this body: either the secret is wrong (not the endpoint's current one) or the body was changed after signing`,
  );
}
