import { useEffect, useState } from 'react';
import { request, sessionEndedEvent } from '../api';
import { AppRoutes } from '../app/app-routes';
import { BinView } from '../inspector/bin-view';
import { Inspector } from '../inspector/inspector';
import { match, useHashPath } from '../route';
import { Shell } from '../shell';
import { ActionForm, Field, useLoad } from '../ui';
import { Apps } from './apps';
import { Catalog } from './catalog';

const nav: [string, string][] = [
  ['/', 'Applications'],
  ['/catalog', 'Event catalog'],
  ['/inspector', 'Request inspector'],
];

/** The organisation's console: sign in with the admin token, then everything. */
export function ConsoleRoot() {
  const session = useLoad(() => request('GET', '/session/console'), []);
  useEffect(() => {
    window.addEventListener(sessionEndedEvent, session.reload);
    return () => window.removeEventListener(sessionEndedEvent, session.reload);
  }, [session.reload]);
  if (session.data === null && session.error === null) return <p aria-busy="true">Loading…</p>;
  if (session.error !== null) return <SignIn onSignedIn={session.reload} />;
  const signOut = async () => {
    await request('DELETE', '/session/console');
    session.reload();
  };
  return (
    <Shell title="Herald console" nav={nav} onSignOut={signOut}>
      <ConsoleRoutes />
    </Shell>
  );
}

function ConsoleRoutes() {
  const path = useHashPath();
  const app = /^\/apps\/([^/]+)(\/.*)?$/.exec(path);
  if (app) return <AppRoutes appId={decodeURIComponent(app[1]!)} base={`/apps/${app[1]}`} sub={app[2] ?? '/'} portal={false} readOnly={false} />;
  if (path === '/catalog') return <Catalog />;
  if (path === '/inspector') return <Inspector />;
  const bin = match('/inspector/:bin', path);
  if (bin) return <BinView binId={bin.bin!} />;
  return <Apps />;
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const submit = async () => {
    await request('POST', '/session/console', { token: token.trim() });
    onSignedIn();
  };
  return (
    <main id="main" className="narrow">
      <h1>Sign in to Herald</h1>
      <p>Paste the admin token. Herald printed where it is when it started (by default <code>.herald/admin-token</code>).</p>
      <ActionForm label="Sign in" onSubmit={submit}>
        <Field label="Admin token">
          {(id) => <input id={id} type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} autoFocus />}
        </Field>
      </ActionForm>
      <p>
        <small>The token is exchanged for a session cookie that scripts cannot read; it is not stored in the browser.</small>
      </p>
    </main>
  );
}
