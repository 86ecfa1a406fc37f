import { useState } from 'react';
import { api, type EndpointOut } from '../api';
import { Link } from '../route';
import { ConfirmButton, Json, Loaded, useLoad } from '../ui';
import type { AppScope } from './app-routes';
import { AttemptList } from './attempt-list';
import { Recovery, SecretPanel, SendExample } from './endpoint-actions';
import { EndpointForm } from './endpoint-form';
import { EndpointPlots } from './plots';

export function EndpointView({ scope, epId }: { scope: AppScope; epId: string }) {
  const path = `/app/${scope.appId}/endpoint/${epId}`;
  const ep = useLoad(() => Promise.all([api.get<EndpointOut>(path), api.get<{ headers: Record<string, string> }>(`${path}/headers`)]), [path]);
  const [editing, setEditing] = useState(false);
  return (
    <Loaded state={ep}>
      {([e, h]) => (
        <>
          <p>
            <Link to={scope.base || '/'}>← Application</Link>
          </p>
          <h1>Endpoint {e.url}</h1>
          {editing ? (
            <EndpointForm scope={scope} endpoint={e} headers={h.headers} onDone={() => {
                setEditing(false);
                ep.reload();
              }} />
          ) : (
            <EndpointDetails e={e} headers={h.headers} />
          )}
          {scope.readOnly ? null : <EndpointWrites scope={scope} e={e} path={path} editing={editing} setEditing={setEditing} reload={ep.reload} />}
          <EndpointPlots appId={scope.appId} epId={e.id} />
          <AttemptList scope={scope} listPath={`/app/${scope.appId}/attempt/endpoint/${e.id}`} title="Recent attempts" by="endpoint" />
        </>
      )}
    </Loaded>
  );
}

/** What a writer may do with the endpoint: edit, disable, see the secret, send, recover. */
function EndpointWrites(props: { scope: AppScope; e: EndpointOut; path: string; editing: boolean; setEditing: (on: boolean) => void; reload: () => void }) {
  const { scope, e, path, editing, setEditing, reload } = props;
  return (
    <>
      <p className="actions">
        <button type="button" onClick={() => setEditing(!editing)}>
          {editing ? 'Cancel editing' : 'Edit endpoint'}
        </button>
        <ConfirmButton
          label={e.disabled ? 'Enable' : 'Disable'}
          question={e.disabled ? 'Start delivering to this endpoint again?' : 'Stop delivering to this endpoint? Messages still queue for it.'}
          onConfirm={async () => {
            await api.patch(path, { disabled: !e.disabled });
            reload();
          }}
        />
      </p>
      <SecretPanel path={path} />
      <SendExample path={path} endpoint={e} />
      <Recovery path={path} portal={scope.portal} />
    </>
  );
}

function EndpointDetails({ e, headers }: { e: EndpointOut; headers: Record<string, string> }) {
  const rows: [string, string][] = [
    ['id', e.id],
    ['status', e.disabled ? 'disabled' : 'enabled'],
    ['profile', e.profile],
    ['event types', e.filterTypes?.join(', ') ?? 'all'],
    ['rate limit', e.rateLimit == null ? 'none' : `${e.rateLimit}/s`],
    ['description', e.description || '—'],
  ];
  return (
    <>
      <dl className="grid">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd className="mono">{v}</dd>
          </div>
        ))}
      </dl>
      {Object.keys(e.profileOptions).length > 0 ? <Json value={e.profileOptions} label="Profile options" /> : null}
      {e.payloadFilter ? <Json value={e.payloadFilter} label="Payload filter" /> : null}
      {Object.keys(headers).length > 0 ? <Json value={headers} label="Custom headers" /> : null}
    </>
  );
}
