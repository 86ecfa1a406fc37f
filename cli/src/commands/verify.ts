import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { SignatureMismatchError, WebhookVerificationError, profileNames, verify } from '@herald/receiver';
import { CliError, exitCodes } from '../errors.js';
import { parseSince } from './recovery.js';

/**
 * `herald verify`: checks a captured request (a headers file and a body file) with the receiver
 * SDK and says exactly what is wrong. The headers file is JSON (`{"name": "value"}`) or HTTP
 * header lines (`Name: value`, as `curl -D` or a proxy log writes them; request and status lines
 * are skipped). The body file is used byte for byte.
 */
export function parseHeaderFile(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : String(v)]));
  }
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /^(HTTP\/|[A-Z]+ \S+ HTTP\/)/.test(line)) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]} ${value}`;
  }
  return headers;
}

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CliError(`cannot read the ${what} file ${path}: ${(err as Error).message}`, exitCodes.usage);
  }
}

interface VerifyFlags {
  secret: string[];
  profile: string;
  headers: string;
  body: string;
  tolerance?: string;
  at?: string;
  json?: boolean;
}

export function verifyCommand(): Command {
  return new Command('verify')
    .description("check a captured request's signature with the endpoint secret; says what is wrong")
    .requiredOption('--secret <whsec>', 'the endpoint secret; repeat for several (rotation)', (v: string, acc: string[] = []) => [...acc, v])
    .addOption(new Option('--profile <name>', "the endpoint's profile").choices(profileNames).default('standard'))
    .requiredOption('--headers <file>', 'the request headers: JSON object, or "Name: value" lines')
    .requiredOption('--body <file>', 'the raw request body, byte for byte')
    .option('--tolerance <seconds>', 'how old the timestamp may be (default 300; "off" to skip)')
    .option('--at <time>', 'check the timestamp against this time instead of now (RFC 3339)')
    .action((opts: VerifyFlags, command: Command) => {
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      const tolerance = opts.tolerance === undefined ? undefined : opts.tolerance === 'off' ? Infinity : Number(opts.tolerance);
      if (tolerance !== undefined && !(tolerance >= 0)) throw new CliError(`--tolerance "${opts.tolerance}" is not a number of seconds or "off"`, exitCodes.usage);
      const headers = parseHeaderFile(readInput(opts.headers, 'headers').toString('utf8'));
      const rawBody = readInput(opts.body, 'body');
      const now = opts.at === undefined ? undefined : new Date(parseSince(opts.at));
      try {
        const result = verify({ profile: opts.profile, secret: opts.secret, headers, rawBody, tolerance, now });
        const summary = { verified: true, profile: result.profile, id: result.id, timestamp: result.timestamp?.toISOString() ?? null, headerNames: result.headerNames };
        process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `verified: ${opts.profile} signature is valid${result.id ? ` (id ${result.id}, timestamp ${summary.timestamp})` : ''}\n`);
      } catch (err) {
        if (!(err instanceof WebhookVerificationError)) throw err;
        const reason = err instanceof SignatureMismatchError ? err.reason : null;
        if (json) process.stdout.write(`${JSON.stringify({ verified: false, code: err.code, reason, message: err.message }, null, 2)}\n`);
        throw new CliError(`not verified: ${err.message}`, exitCodes.verifyFailed);
      }
    });
}
