import { useEffect, useState } from 'react';
import { request, sessionEndedEvent } from '../api';
import { AppRoutes } from '../app/app-routes';
import { useHashPath } from '../route';
import { Shell } from '../shell';
import { ErrorNote } from '../ui';

interface PortalSession {
  appId: string;
  readOnly: boolean;
}

/**
 * The tenant portal. The magic link is `/portal#token=…`: the token is in the fragment, which
 * the browser never sends to a server; the page trades it once for a session cookie confined to
 * the application and drops it from the address bar and history.
 */
async function openSession(): Promise<PortalSession> {
  const token = /^#token=([^&]+)/.exec(window.location.hash)?.[1];
  if (token) {
    history.replaceState(null, '', '/portal#/');
    return request<PortalSession>('POST', '/session/portal', { token: decodeURIComponent(token) });
  }
  return request<PortalSession>('GET', '/session/portal');
}

export function PortalRoot() {
  const [state, setState] = useState<{ session: PortalSession | null; error: string | null; ended: boolean }>({ session: null, error: null, ended: false });
  useEffect(() => {
    openSession().then(
      (session) => setState({ session, error: null, ended: false }),
      (err: Error) => setState({ session: null, error: err.message, ended: false }),
    );
    const ended = () => setState({ session: null, error: 'Your portal session has ended', ended: false });
    window.addEventListener(sessionEndedEvent, ended);
    return () => window.removeEventListener(sessionEndedEvent, ended);
  }, []);
  const signOut = async () => {
    await request('DELETE', '/session/portal');
    setState({ session: null, error: null, ended: true });
  };
  if (state.ended) return <Notice title="Signed out">Open your portal link again to come back.</Notice>;
  if (state.error) return <Notice title="This portal link cannot be used">{<ErrorNote error={`${state.error}.`} />}Ask the service that sent you the link for a new one.</Notice>;
  if (!state.session) return <p aria-busy="true">Opening the portal…</p>;
  return (
    <Shell title={`Webhooks portal${state.session.readOnly ? ' (read-only)' : ''}`} nav={[['/', 'Overview']]} onSignOut={signOut}>
      <PortalRoutes appId={state.session.appId} readOnly={state.session.readOnly} />
    </Shell>
  );
}

function PortalRoutes({ appId, readOnly }: { appId: string; readOnly: boolean }) {
  const path = useHashPath();
  return <AppRoutes appId={appId} base="" sub={path} portal={true} readOnly={readOnly} />;
}

function Notice({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main id="main" className="narrow">
      <h1>{title}</h1>
      {children}
    </main>
  );
}
