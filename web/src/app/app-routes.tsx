import { useState } from 'react';
import { api, type AppOut } from '../api';
import { match } from '../route';
import { ActionForm, Loaded, useLoad } from '../ui';
import { EndpointList } from './endpoint-list';
import { EndpointView } from './endpoint-view';
import { MessageSearch } from './messages';
import { MessageView } from './message-view';

/** Where one application's pages live: `#/apps/{app}` in the console, `#/` in the portal. */
export interface AppScope {
  appId: string;
  base: string;
  /** The tenant portal: no organisation-only actions. */
  portal: boolean;
  /** A read-only portal link: no action that writes (the API would answer 403), no secret. */
  readOnly: boolean;
}

/** One application's pages, the same in the console and in the tenant portal. */
export function AppRoutes({ sub, ...scope }: AppScope & { sub: string }) {
  const ep = match('/endpoints/:ep', sub);
  if (ep) return <EndpointView scope={scope} epId={ep.ep!} />;
  const msg = match('/msgs/:msg', sub);
  if (msg) return <MessageView scope={scope} msgId={msg.msg!} />;
  return <AppHome scope={scope} />;
}

function AppHome({ scope }: { scope: AppScope }) {
  const app = useLoad(() => api.get<AppOut>(`/app/${scope.appId}`), [scope.appId]);
  return (
    <Loaded state={app}>
      {(a) => (
        <>
          <h1>{a.name}</h1>
          <p className="mono">
            {a.id}
            {a.uid ? ` · uid ${a.uid}` : ''}
          </p>
          <EndpointList scope={scope} />
          <MessageSearch scope={scope} />
          {scope.portal ? null : <PortalLink appId={a.id} />}
        </>
      )}
    </Loaded>
  );
}

/** Mints a tenant portal link for the application (organisation only). */
function PortalLink({ appId }: { appId: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const create = async () => setUrl((await api.post<{ url: string }>(`/auth/app-portal-access/${appId}`, { expiry: 3600 })).url);
  return (
    <section aria-labelledby="portal-link">
      <h2 id="portal-link">Tenant portal</h2>
      <p>A link that lets this tenant manage its own endpoints and deliveries, and nothing else. It works for one hour; once opened, the tenant's session lasts up to that hour.</p>
      <ActionForm label="Create portal link" onSubmit={create}>
        {url ? (
          <p>
            <a href={url} target="_blank" rel="noreferrer" aria-label="Portal link">
              {url.replace(/#.*/, '#token=…')}
            </a>{' '}
            <input readOnly aria-label="Portal link to copy" value={url} onFocus={(e) => e.target.select()} />
          </p>
        ) : null}
      </ActionForm>
    </section>
  );
}
