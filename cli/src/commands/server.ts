import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { Client } from '../client.js';
import { resolveConnection, writeConfigFile } from '../config.js';
import { CliError, exitCodes } from '../errors.js';

/** `start` and `migrate` run the built server in this process; `login` stores a connection. */
const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

async function runBuilt(script: string): Promise<void> {
  const path = resolve(repoRoot, 'dist', script);
  if (!existsSync(path)) throw new CliError(`Herald is not built (${path} is missing): run npm run build`, exitCodes.unexpected);
  await import(path);
}

function localAdminToken(): string | null {
  const file = resolve(process.env.HERALD_DATA_DIR ?? '.herald', 'admin-token');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

export function serverCommands(): Command[] {
  const start = new Command('start').description('start Herald (as npm start; HERALD_* settings apply)').action(() => runBuilt('main.js'));
  const migrate = new Command('migrate').description("apply the store's migrations and exit").action(() => runBuilt('migrate.js'));
  const login = new Command('login')
    .description('check a URL and token and save them for later commands (token default: ./.herald/admin-token)')
    .action(async (_opts: unknown, command: Command) => {
      const flags = command.optsWithGlobals<{ url?: string; token?: string; json?: boolean }>();
      const connection = resolveConnection(flags);
      connection.token ??= localAdminToken();
      if (connection.token === null) throw new CliError('no token: pass --token, set HERALD_TOKEN, or run this where .herald/admin-token is', exitCodes.usage);
      await new Client(connection).get('/app?limit=1');
      const path = writeConfigFile(connection);
      process.stdout.write(flags.json ? `${JSON.stringify({ url: connection.url, config: path })}\n` : `logged in to ${connection.url}; saved to ${path}\n`);
    });
  return [start, migrate, login];
}
