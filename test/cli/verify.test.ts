import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signHeaders } from '@herald/receiver';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** `herald verify` on captured requests: what passes, and the exact reason for what does not. */
const slow = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'herald-verify-'));
const secret = `whsec_${Buffer.from('a-secret-of-at-least-twenty-four-bytes').toString('base64')}`;
const body = '{"order":42,"items":["a","b"]}';
const ts = 1_732_390_000;
const at = new Date((ts + 10) * 1000).toISOString();

function capture(name: string, headers: Record<string, string>, rawBody: string, asJson = false): { headers: string; body: string } {
  const headerFile = join(dir, `${name}.headers`);
  const bodyFile = join(dir, `${name}.body`);
  const lines = asJson ? JSON.stringify(headers) : ['POST /hook HTTP/1.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), ''].join('\r\n');
  writeFileSync(headerFile, lines);
  writeFileSync(bodyFile, rawBody);
  return { headers: headerFile, body: bodyFile };
}

const signed = signHeaders({ secret, body, msgId: 'msg_1', timestamp: ts });
const verifyArgs = (files: { headers: string; body: string }, ...extra: string[]) => ['verify', '--secret', secret, '--headers', files.headers, '--body', files.body, ...extra];

describe('herald verify', () => {
  it('accepts a good capture (header lines or JSON) and prints what it verified', async () => {
    const ok = await runCli(verifyArgs(capture('ok', signed, body), '--at', at));
    expect([ok.code, ok.stdout]).toEqual([0, `verified: standard signature is valid (id msg_1, timestamp ${new Date(ts * 1000).toISOString()})\n`]);
    const json = await runCli(['--json', ...verifyArgs(capture('okjson', signed, body, true), '--at', at)]);
    expect(JSON.parse(json.stdout)).toEqual({ verified: true, profile: 'standard', id: 'msg_1', timestamp: new Date(ts * 1000).toISOString(), headerNames: 'webhook' });
    const dbt = signHeaders({ profile: 'dbt-cloud', secret, body });
    expect((await runCli(['verify', '--profile', 'dbt-cloud', '--secret', secret, ...['--headers', capture('dbt', { Authorization: dbt.authorization! }, body).headers, '--body', join(dir, 'dbt.body')]])).code).toBe(0);
  }, slow);

  it('says exactly what is wrong, with exit code 8', async () => {
    const cases: [string, string[], RegExp][] = [
      ['stale', verifyArgs(capture('stale', signed, body)), /^herald: not verified: stale timestamp: the signature is valid, but the timestamp is \d+ s old/],
      ['body changed', verifyArgs(capture('pretty', signed, JSON.stringify(JSON.parse(body), null, 2)), '--at', at), /^herald: not verified: body changed: .* re-serialised as compact JSON/],
      ['tampered', verifyArgs(capture('tampered', signed, body.replace('42', '43')), '--at', at), /^herald: not verified: signature mismatch: .* either the secret is wrong .* or the body was changed after signing/],
      ['missing header', verifyArgs(capture('missing', { 'webhook-id': 'msg_1', 'webhook-signature': signed['webhook-signature']! }, body)), /^herald: not verified: missing header webhook-timestamp\n$/],
      ['wrong profile', ['verify', '--profile', 'paradym', '--secret', secret, '--headers', join(dir, 'ok.headers'), '--body', join(dir, 'ok.body')], /missing header x-paradym-hmac-sha-256; the request carries webhook-signature: verify it with profile "standard"/],
    ];
    for (const [name, args, message] of cases) {
      const res = await runCli(args);
      expect([name, res.code], res.stderr).toEqual([name, 8]);
      expect(res.stderr).toMatch(message);
    }
    const json = await runCli(['--json', ...verifyArgs(capture('pretty2', signed, JSON.stringify(JSON.parse(body), null, 2)), '--at', at)]);
    expect(JSON.parse(json.stdout)).toMatchObject({ verified: false, code: 'signature_mismatch', reason: 'body-changed' });
    expect((await runCli(verifyArgs(capture('stale2', signed, body), '--tolerance', 'off'))).code).toBe(0);
  }, slow);

  it('refuses bad flags and unreadable files with exit code 2', async () => {
    expect((await runCli(['verify', '--profile', 'stripe', '--secret', secret, '--headers', 'x', '--body', 'y'])).code).toBe(2);
    const missing = await runCli(['verify', '--secret', secret, '--headers', join(dir, 'nope'), '--body', join(dir, 'nope')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/^herald: cannot read the headers file/)]);
    expect((await runCli(['verify', '--headers', 'x', '--body', 'y'])).code).toBe(2);
  }, slow);
});
