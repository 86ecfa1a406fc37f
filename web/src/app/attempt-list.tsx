import { useState } from 'react';
import { api, statusNames, type AttemptOut, type AttemptRequestOut, type ListOut } from '../api';
import { Link } from '../route';
import { Empty, Headers, Json, Loaded, useLoad, useRefresh, when } from '../ui';
import type { AppScope } from './app-routes';

const triggerNames: Record<number, string> = { 0: 'scheduled', 1: 'manual' };

/** Attempts, newest first; each opens to its exact request and response. Refreshes every 3 s. */
/** `by`: what the list is of; each attempt links to the other side (its message, or its endpoint). */
export function AttemptList({ scope, listPath, title, by }: { scope: AppScope; listPath: string; title: string; by: 'endpoint' | 'message' }) {
  const attempts = useLoad(() => api.get<ListOut<AttemptOut>>(`${listPath}?limit=50`), [listPath]);
  useRefresh(attempts.reload);
  return (
    <section aria-labelledby="attempts">
      <h2 id="attempts">{title}</h2>
      <Loaded state={attempts}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No attempts yet. Deliveries show up here as soon as Herald sends them.</Empty>
          ) : (
            <ul className="plain">
              {page.data.map((a) => (
                <AttemptItem key={a.id} scope={scope} attempt={a} by={by} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

function AttemptItem({ scope, attempt: a, by }: { scope: AppScope; attempt: AttemptOut; by: 'endpoint' | 'message' }) {
  const [open, setOpen] = useState(false);
  const ok = a.status === 0;
  return (
    <li className="attempt">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className={ok ? 'tag good' : 'tag bad'}>{statusNames[a.status] ?? a.status}</span> HTTP {a.responseStatusCode} · {a.responseDurationMs} ms · {when(a.timestamp)} ·{' '}
        {triggerNames[a.triggerType]}
      </button>{' '}
      {by === 'endpoint' ? <Link to={`${scope.base}/msgs/${a.msgId}`}>message {a.msgId}</Link> : <Link to={`${scope.base}/endpoints/${a.endpointId}`}>to {a.url}</Link>}
      {open ? <AttemptDetail appId={scope.appId} attempt={a} /> : null}
    </li>
  );
}

function AttemptDetail({ appId, attempt: a }: { appId: string; attempt: AttemptOut }) {
  const req = useLoad(() => api.get<AttemptRequestOut>(`/app/${appId}/msg/${a.msgId}/attempt/${a.id}/request`), [a.id]);
  return (
    <div className="columns">
      <section aria-label="Request">
        <h3>Request</h3>
        <Loaded state={req}>
          {(r) => (
            <>
              <p className="mono">
                {r.method} {r.url}
              </p>
              <Headers headers={r.headers} label="Request headers" />
              {r.body === null ? <Empty>The payload was expunged.</Empty> : <Json value={r.body} label="Request body" />}
            </>
          )}
        </Loaded>
      </section>
      <section aria-label="Response">
        <h3>Response</h3>
        <p className="mono">
          {a.responseStatusCode === 0 ? 'no response' : `HTTP ${a.responseStatusCode}`} in {a.responseDurationMs} ms
        </p>
        <Headers headers={a.responseHeaders} label="Response headers" />
        {a.response ? <Json value={a.response} label="Response body" /> : <Empty>Empty body.</Empty>}
      </section>
    </div>
  );
}
