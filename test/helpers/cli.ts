import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the built `herald` binary (`cli/dist/main.js`, built by `npm test`) as a user would, with
 * its own login file so a developer's `~/.config/herald` never leaks in, and no HERALD_* variables
 * but those a test passes.
 */
const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const cliJs = join(repoRoot, 'cli', 'dist', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HERALD_')) base[k] = v;
  return { ...base, HERALD_CLI_CONFIG: join(mkdtempSync(join(tmpdir(), 'herald-cli-')), 'cli.json'), ...env };
}

export function spawnCli(args: string[], env: Record<string, string> = cliEnv()): ChildProcess {
  return spawn(process.execPath, [cliJs, ...args], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs the binary to completion; `input` is written to its stdin (closed either way). */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  const child = spawnCli(args, options.env ?? cliEnv());
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdin!.end(options.input ?? '');
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}
