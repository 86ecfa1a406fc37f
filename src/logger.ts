import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

/**
 * Never logged, whatever a log call passes by mistake: credentials, secrets and message bodies
 * (pino's redaction; `test/e2e/logs.test.ts` scans a full run's output for them).
 */
const logRedactPaths = ['authorization', 'cookie', 'token', 'secret', 'secrets', 'payload', 'adminToken', 'masterKey'].flatMap((k) => [k, `*.${k}`]).concat(['req.headers.authorization', 'req.headers.cookie', '*.key']);

/** The process's logger, one per thread: JSON lines on stdout, with the same redaction everywhere. */
export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: 'herald' }, redact: { paths: logRedactPaths, censor: '[redacted]' } });
}
