#!/usr/bin/env node
// Builds the console and tenant portal (web/ → web/dist) when any source is newer than the last
// build, or when `--force` is given; otherwise does nothing, so `npm start` and `npm test` pay
// for a build (about 5 s: type check, then Vite) only after web/ changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const builtIndex = join(web, 'dist', 'index.html');

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).filter((name) => name !== 'dist').map((name) => newestMtime(join(path, name))));
}

const stale = !existsSync(builtIndex) || newestMtime(web) > statSync(builtIndex).mtimeMs;
if (!stale && !process.argv.includes('--force')) process.exit(0);

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(web, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const { build } = await import('vite');
await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
process.stdout.write('web: built web/dist (console and portal)\n');
