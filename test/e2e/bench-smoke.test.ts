import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The figure of a row of the bench's table, e.g. `| Herald SQLite: … | 2,344 msg/s | …`. */
function figure(table: string, scenario: string): number | null {
  const row = table.split('\n').find((line) => line.startsWith(`| ${scenario} `));
  const cell = row?.split('|')[2]?.trim().split(' ')[0]?.replace(/,/g, '');
  return cell === undefined || cell === 'n/a' ? null : Number(cell);
}

/**
 * `npm run bench -- --smoke`: the bench with tiny counts (a few seconds a scenario), so that it
 * cannot rot unseen between performance passes. It checks that the SQLite scenarios run, print
 * their rows, and that the statement counter still sees Herald's statements (it once counted
 * only the API thread's and printed 0.23 per message). The figures are not judged: speed is
 * the bench's business, not the test suite's.
 */
describe('bench smoke', () => {
  it('runs the SQLite scenarios with tiny counts and prints every figure', { timeout: 180_000 }, async () => {
    const only = 'raw,relay,herald,herald-batch,isolation,backlog';
    const child = spawn(process.execPath, [join(repoRoot, 'bench/run.mjs'), '--smoke', '--skip-build', '--only', only], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code, out).toBe(0);
    for (const scenario of [
      'raw loop: undici → receiver (1 hop)',
      'in-memory relay: delivered (2 hops)',
      'Herald SQLite: durable ingest, 1 msg/request',
      'Herald SQLite: end-to-end delivered',
      'Herald SQLite: ingest via /msg/batch (1,000)',
      'Herald SQLite, 10 fast + 1 dead endpoint: fast ones delivered',
      'Herald SQLite: drain of 2,000 pending',
    ]) {
      expect(figure(out, scenario), `${scenario}\n${out}`).toBeGreaterThan(0);
    }
    // Ingest and delivery write at least a claim, an outcome and the message: about 3 a message.
    expect(figure(out, 'Herald SQLite: SQL statements per message, ingest + delivery'), out).toBeGreaterThanOrEqual(1);
  });
});
