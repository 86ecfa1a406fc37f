import type { Command } from 'commander';
import { Client } from './client.js';
import { resolveConnection } from './config.js';
import { printer, type Printer } from './output.js';

/** What every command gets: the API client for the resolved connection and the printer. */
export interface Ctx {
  client: Client;
  print: Printer;
  json: boolean;
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export function contextOf(command: Command): Ctx {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const json = opts.json === true;
  return { client: new Client(resolveConnection({ url: opts.url, token: opts.token })), print: printer(json), json };
}

/**
 * Wraps a command's action: builds the context; errors propagate to `main`, which prints them and
 * exits with their code. Commander passes the positional arguments, the options, then the command.
 */
export function action<A extends unknown[]>(run: (ctx: Ctx, ...args: A) => Promise<void>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    await run(contextOf(command), ...(args.slice(0, -1) as A));
  };
}

export const enc = encodeURIComponent;
