#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { appCommand, attemptCommand, endpointCommand, eventTypeCommand, messageCommand } from './commands/resources.js';
import { listenCommand } from './commands/listen.js';
import { recoveryCommands } from './commands/recovery.js';
import { serverCommands } from './commands/server.js';
import { verifyCommand } from './commands/verify.js';
import { CliError, exitCodes } from './errors.js';

/**
 * `herald`: the command line for Herald. Global flags: `--url`, `--token` (else HERALD_URL,
 * HERALD_TOKEN, else the file `herald login` writes) and `--json`. Exit codes: see errors.ts.
 */
function program(): Command {
  const root = new Command('herald')
    .description('Herald webhook delivery: manage apps, endpoints and messages, relay deliveries to localhost, verify signatures')
    .option('--url <url>', 'Herald base URL (default: HERALD_URL, the login file, or http://127.0.0.1:8070)')
    .option('--token <token>', 'API token (default: HERALD_TOKEN or the login file)')
    .option('--json', 'print JSON for scripts instead of tables')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const all = [
    ...serverCommands(),
    appCommand(),
    eventTypeCommand(),
    endpointCommand(),
    messageCommand(),
    attemptCommand(),
    ...recoveryCommands(),
    listenCommand(),
    verifyCommand(),
  ];
  for (const command of all) root.addCommand(command);
  // Subcommands inherit exitOverride only when set on each; parse errors must not exit 1.
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(root);
  return root;
}

async function main(): Promise<void> {
  try {
    await program().parseAsync(process.argv);
  } catch (err) {
    process.exitCode = report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed the problem (or the help) already.
    return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? exitCodes.ok : exitCodes.usage;
  }
  if (err instanceof CliError) {
    process.stderr.write(`herald: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`herald: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  return exitCodes.unexpected;
}

void main();
