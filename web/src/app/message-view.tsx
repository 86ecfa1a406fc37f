import { api, statusNames, type ListOut, type MessageEndpointOut, type MessageOut } from '../api';
import { Link } from '../route';
import { ConfirmButton, Empty, Json, Loaded, useLoad, useRefresh, when } from '../ui';
import type { AppScope } from './app-routes';
import { AttemptList } from './attempt-list';

/** One message: its payload, its delivery to each endpoint (with resend) and every attempt. */
export function MessageView({ scope, msgId }: { scope: AppScope; msgId: string }) {
  const path = `/app/${scope.appId}/msg/${msgId}`;
  const msg = useLoad(() => api.get<MessageOut>(path), [path]);
  return (
    <Loaded state={msg}>
      {(m) => (
        <>
          <p>
            <Link to={scope.base || '/'}>← Application</Link>
          </p>
          <h1>Message {m.eventType}</h1>
          <p className="mono">
            {m.id}
            {m.eventId ? ` · eventId ${m.eventId}` : ''} · {when(m.timestamp)}
          </p>
          <Json value={m.payload} label="Payload" />
          <Deliveries scope={scope} path={path} />
          <AttemptList scope={scope} listPath={`/app/${scope.appId}/attempt/msg/${m.id}`} title="Attempts" by="message" />
        </>
      )}
    </Loaded>
  );
}

function Deliveries({ scope, path }: { scope: AppScope; path: string }) {
  const deliveries = useLoad(() => api.get<ListOut<MessageEndpointOut>>(`${path}/endpoint`), [path]);
  useRefresh(deliveries.reload);
  return (
    <section aria-labelledby="deliveries">
      <h2 id="deliveries">Deliveries</h2>
      <Loaded state={deliveries}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No endpoint matched this message.</Empty>
          ) : (
            <ul className="plain">
              {page.data.map((d) => (
                <li key={d.id}>
                  <Link to={`${scope.base}/endpoints/${d.id}`}>{d.url}</Link> <span className="tag">{statusNames[d.status] ?? d.status}</span>
                  {d.nextAttempt ? ` next attempt ${when(d.nextAttempt)}` : ''}{' '}
                  {scope.readOnly ? null : (
                    <ConfirmButton
                      label="Resend"
                      question={`Send this message to ${d.url} again?`}
                      onConfirm={async () => {
                        await api.post(`${path}/endpoint/${d.id}/resend`);
                        deliveries.reload();
                        return 'Queued: a new attempt follows within a moment.';
                      }}
                    />
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}
