/**
 * Exit codes scripts can trust (also in the README's CLI section):
 *   0 success · 1 unexpected error · 2 usage (bad flags or arguments) · 3 Herald unreachable ·
 *   4 not authorised (401/403) · 5 not found (404) · 6 refused input (400/409/413/422) ·
 *   7 Herald failed (5xx or an unexpected answer) · 8 `verify`: the request does not verify.
 */
export const exitCodes = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  unreachable: 3,
  auth: 4,
  notFound: 5,
  invalid: 6,
  server: 7,
  verifyFailed: 8,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return exitCodes.auth;
  if (status === 404) return exitCodes.notFound;
  if (status >= 400 && status < 500) return exitCodes.invalid;
  return exitCodes.server;
}
