// `npm run demo -- <profile>`: one product's webhooks, end to end, in one command.
//
// Starts Herald on a free loopback port with a throwaway data dir (or uses the Herald at
// HERALD_URL with HERALD_TOKEN, which must be able to reach 127.0.0.1), starts a receiver that
// checks each request the way the product's documentation tells its readers to, creates an
// application and an endpoint with the profile, installs the profile's catalog, sends the seed
// document's examples in order, and prints what arrived and whether it verified.
// Exits 0 only when every request Herald was due to send arrived and verified.
//
// Plain JavaScript on purpose: a reader can lift a receiver's `verify` into their own code.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { getProfile, profileNames } = await import(new URL('../dist/profiles/index.js', import.meta.url).href);
const { atscaleSlowThresholdMsDefault } = await import(new URL('../dist/profiles/atscale.js', import.meta.url).href);

/** Standard Webhooks with the `standardwebhooks` package when installed, else by hand. */
async function standardWebhooksVerifier() {
  try {
    const { Webhook } = await import('standardwebhooks');
    return { how: 'the standardwebhooks package', verify: (secret, body, headers) => (new Webhook(secret).verify(body, headers), true) };
  } catch {
    return {
      how: 'a Standard Webhooks HMAC check',
      verify(secret, body, headers) {
        const ts = Number(headers['webhook-timestamp']);
        if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return false;
        const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
        const expected = Buffer.from(createHmac('sha256', key).update(`${headers['webhook-id']}.${ts}.${body}`).digest('base64'));
        return String(headers['webhook-signature'] ?? '')
          .split(' ')
          .some((s) => s.startsWith('v1,') && Buffer.from(s.slice(3)).length === expected.length && timingSafeEqual(Buffer.from(s.slice(3)), expected));
      },
    };
  }
}

const standard = await standardWebhooksVerifier();

/** Per product: the seed it comes from, the tenant's uid, and how its receivers check a request. */
const demos = {
  paradym: {
    seed: 'seed 002, Paradym "Use Webhooks"',
    appUid: 'demo-project',
    header: 'x-paradym-hmac-sha-256',
    how: "X-Paradym-HMAC-SHA-256 as the seed's Node.js snippet does",
    // The seed's snippet: crypto.createHmac('sha256', SECRET).update(req.rawBody, 'utf8').digest('hex') !== hmac → 401.
    verify: (secret, rawBody, headers) => createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex') === headers['x-paradym-hmac-sha-256'],
  },
  'dbt-cloud': {
    seed: 'seed 004, dbt Cloud "Webhooks"',
    appUid: '123',
    header: 'authorization',
    how: 'Authorization: hex HMAC-SHA256 of the raw body, as dbt Cloud documents',
    verify: (secret, rawBody, headers) => createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex') === headers.authorization,
  },
  'paradime-bolt': {
    seed: 'seeds 000/001, Paradime "Getting Started" with webhooks',
    appUid: 'demo-jaffle',
    header: 'webhook-signature',
    how: `Standard Webhooks headers with ${standard.how}`,
    verify: standard.verify,
  },
  atscale: {
    seed: 'seed 003, AtScale "Engine Webhooks"',
    appUid: 'default.prod',
    header: 'webhook-signature',
    how: `Standard Webhooks headers with ${standard.how}`,
    verify: standard.verify,
  },
};

const name = process.argv[2];
if (!name || !demos[name]) {
  console.error(`usage: npm run demo -- <profile>\n  profiles with a demo: ${Object.keys(demos).join(', ')} (Herald's profiles: ${profileNames().join(', ')})`);
  process.exit(2);
}
const demo = demos[name];
const catalog = getProfile(name).catalog;

// --- Herald -------------------------------------------------------------------------------------

async function startHerald() {
  if (process.env.HERALD_URL && process.env.HERALD_TOKEN) {
    return { url: process.env.HERALD_URL.replace(/\/+$/, ''), token: process.env.HERALD_TOKEN, note: 'already running (HERALD_URL)', stop: async () => {} };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-demo-'));
  const configPath = join(dataDir, 'demo.config.json');
  writeFileSync(configPath, '{}\n');
  const token = `demo_${randomBytes(18).toString('base64url')}`;
  const env = { ...process.env, HERALD_HOST: '127.0.0.1', HERALD_PORT: '0', HERALD_DATA_DIR: dataDir, HERALD_CONFIG: configPath, HERALD_ADMIN_TOKEN: token, HERALD_LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'main.js')], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const scan = (chunk) => {
      output += chunk;
      const m = /Herald listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1].replace(/\/+$/, ''));
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    child.once('exit', (code) => reject(new Error(`Herald exited (code ${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`Herald did not start within 15 s:\n${output}`)), 15_000).unref();
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, token, note: `started for this demo (data in ${dataDir}, removed at the end)`, stop };
}

async function api(herald, method, path, body) {
  const res = await fetch(`${herald.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${herald.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

// --- receiver -----------------------------------------------------------------------------------

function startReceiver(verifyRequest) {
  const arrived = [];
  let onArrival = () => {};
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString();
      const verified = verifyRequest(rawBody, req.headers);
      arrived.push({ rawBody, headers: req.headers, verified });
      res.writeHead(verified ? 200 : 401).end();
      onArrival();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/webhook`,
        arrived,
        waitFor(count, timeoutMs) {
          return new Promise((done) => {
            const timer = setTimeout(done, timeoutMs);
            onArrival = () => arrived.length >= count && (clearTimeout(timer), done());
            onArrival();
          });
        },
        close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
      }),
    ),
  );
}

// --- the demo -----------------------------------------------------------------------------------

const short = (text, max = 160) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const herald = await startHerald();
let secret = '';
const receiver = await startReceiver((rawBody, headers) => {
  try {
    return demo.verify(secret, rawBody, headers);
  } catch {
    return false;
  }
});
let endpointId = null;
let app = null;
let ok = false;
try {
  console.log(`Herald demo: the ${name} profile (${demo.seed})`);
  console.log(`  Herald    ${herald.url}, ${herald.note}`);
  console.log(`  receiver  ${receiver.url}, verifying ${demo.how}`);
  const imported = await api(herald, 'POST', `/event-type/import/profile/${name}`);
  console.log(`  catalog   ${catalog.length} event types: ${imported.created.length} created, ${imported.updated.length} updated, ${imported.unchanged.length} unchanged, ${imported.skipped.length} skipped`);
  app = await api(herald, 'POST', '/app?get_if_exists=true', { name: `${name} demo`, uid: demo.appUid });
  const endpoint = await api(herald, 'POST', `/app/${app.id}/endpoint`, { url: receiver.url, profile: name, description: `${name} demo receiver` });
  endpointId = endpoint.id;
  secret = (await api(herald, 'GET', `/app/${app.id}/endpoint/${endpoint.id}/secret`)).key;
  console.log(`  app       ${app.id} (uid ${app.uid}), endpoint ${endpoint.id} (profile ${endpoint.profile}, timeout ${getProfile(name).timeoutMs / 1000} s)\n`);

  let expected = 0;
  const typeOf = new Map();
  for (const entry of catalog) {
    for (const payload of entry.schema.examples) {
      const msg = await api(herald, 'POST', `/app/${app.id}/msg`, { eventType: entry.name, payload });
      typeOf.set(msg.id, entry.name);
      const routed = (await api(herald, 'GET', `/app/${app.id}/msg/${msg.id}/endpoint`)).data.some((d) => d.id === endpoint.id);
      if (routed) expected++;
      const why = routed ? '' : name === 'atscale' ? ` (not sent: under the endpoint's slowness threshold, ${atscaleSlowThresholdMsDefault} ms by default)` : ' (not sent: filtered)';
      console.log(`  → sent ${entry.name.padEnd(36)} ${msg.id}${why}`);
    }
  }
  await receiver.waitFor(expected, 20_000);
  console.log('');
  for (const { rawBody, headers, verified } of receiver.arrived) {
    // Paradym and dbt name the event in their envelope, AtScale inside the event; for Bolt the
    // receiver knows the message by its webhook-id.
    const body = JSON.parse(rawBody);
    const type = body.eventType ?? body.event_type ?? typeOf.get(headers['webhook-id']) ?? '?';
    console.log(`  ← ${String(type).padEnd(36)} ${demo.header}: ${short(String(headers[demo.header] ?? '(missing)'), 60)}  ${verified ? 'verified ✓' : 'NOT VERIFIED ✗'}`);
    console.log(`      ${short(rawBody)}`);
  }
  const verifiedCount = receiver.arrived.filter((r) => r.verified).length;
  ok = receiver.arrived.length === expected && verifiedCount === expected;
  console.log(`\n${receiver.arrived.length} of ${expected} expected requests arrived, ${verifiedCount} verified: ${ok ? 'OK' : 'FAILED'}`);
} catch (err) {
  console.error(`demo failed: ${err.message}`);
} finally {
  if (endpointId && app && process.env.HERALD_URL) await api(herald, 'DELETE', `/app/${app.id}/endpoint/${endpointId}`).catch(() => {});
  await receiver.close();
  await herald.stop();
}
process.exit(ok ? 0 : 1);
