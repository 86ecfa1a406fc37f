/**
 * @herald/receiver: verify webhooks sent by Herald, for every profile, and middleware for
 * Express, Fastify, node:http and Web-standard `Request` handlers. No dependencies beyond
 * node:crypto.
 */
export { verify, toleranceSecondsDefault, type VerifyOptions, type VerifiedWebhook } from './verify.js';
export {
  WebhookVerificationError,
  MissingHeaderError,
  InvalidHeaderError,
  InvalidSecretError,
  TimestampError,
  SignatureMismatchError,
  type VerificationErrorCode,
  type MismatchReason,
} from './errors.js';
export { headerGetter, type HeaderSource } from './headers.js';
export { profileNames, profileScheme, isProfileName, standardHeaderNames, paradymSignatureHeader, dbtCloudSignatureHeader, type ProfileName, type Scheme } from './profiles.js';
export { standardKey, hexKey, secretPrefix, publicKeyPrefix } from './keys.js';
export { hmacSha256, standardSignature, hexSignature, signHeaders, type SignInput, type BodyPart } from './sign.js';
export { webhookOf, failureResponse, type VerifierOptions } from './middleware/common.js';
export { readRawBody, verifyNodeRequest, nodeHandler, type NodeWebhookHandler } from './middleware/node.js';
export { expressVerifier } from './middleware/express.js';
export { rawJsonBody, fastifyVerifier } from './middleware/fastify.js';
export { verifyRequest, webHandler, type WebWebhookHandler } from './middleware/web.js';
