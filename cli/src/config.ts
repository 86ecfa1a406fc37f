import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, exitCodes } from './errors.js';

/**
 * Where the CLI finds Herald: `--url`/`--token`, else `HERALD_URL`/`HERALD_TOKEN`, else the config
 * file `herald login` writes (`$HERALD_CLI_CONFIG`, default `~/.config/herald/cli.json`, mode
 * 0600), else `http://127.0.0.1:8070` and no token.
 */
export const defaultUrl = 'http://127.0.0.1:8070';

export interface Connection {
  url: string;
  token: string | null;
}

export interface ConnectionFlags {
  url?: string;
  token?: string;
}

export function configPath(): string {
  return process.env.HERALD_CLI_CONFIG || join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'herald', 'cli.json');
}

function readConfigFile(): Partial<Connection> {
  let text: string;
  try {
    text = readFileSync(configPath(), 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as Partial<Connection>;
    return { url: typeof parsed.url === 'string' ? parsed.url : undefined, token: typeof parsed.token === 'string' ? parsed.token : undefined };
  } catch {
    throw new CliError(`the config file ${configPath()} is not valid JSON; fix it or run herald login again`, exitCodes.usage);
  }
}

export function resolveConnection(flags: ConnectionFlags): Connection {
  const file = readConfigFile();
  const url = flags.url ?? process.env.HERALD_URL ?? file.url ?? defaultUrl;
  const token = flags.token ?? process.env.HERALD_TOKEN ?? file.token ?? null;
  try {
    new URL(url);
  } catch {
    throw new CliError(`--url "${url}" is not a URL; expected e.g. ${defaultUrl}`, exitCodes.usage);
  }
  return { url: url.replace(/\/+$/, ''), token };
}

export function writeConfigFile(connection: Connection): string {
  const path = configPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
