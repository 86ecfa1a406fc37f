import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node demo/run.mjs <args>` (what `npm run demo -- <profile>` runs after the build). */
function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HERALD_')) env[k] = v;
    const child = spawn(process.execPath, ['demo/run.mjs', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo -- <profile>', () => {
  it.each([
    ['paradym', 6, 6],
    ['dbt-cloud', 4, 4],
    ['paradime-bolt', 2, 2],
    ['atscale', 7, 6],
  ])('%s: sends the seed’s %i examples, and every request due arrives verified (exit 0)', async (profile, sent, due) => {
    const { code, output } = await runDemo([profile]);
    expect(code, output).toBe(0);
    expect(output.match(/→ sent /g)).toHaveLength(sent);
    expect(output.match(/verified ✓/g)).toHaveLength(due);
    expect(output).toContain(`${due} of ${due} expected requests arrived, ${due} verified: OK`);
  });

  it('explains its usage and exits 2 without a known profile', async () => {
    const { code, output } = await runDemo(['nope']);
    expect(code).toBe(2);
    expect(output).toMatch(/usage: npm run demo -- <profile>/);
  });
});
