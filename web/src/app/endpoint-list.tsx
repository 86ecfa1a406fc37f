import { useState } from 'react';
import { api, type EndpointOut, type ListOut } from '../api';
import { Link } from '../route';
import { Empty, Loaded, useLoad } from '../ui';
import type { AppScope } from './app-routes';
import { EndpointForm } from './endpoint-form';

export function EndpointList({ scope }: { scope: AppScope }) {
  const endpoints = useLoad(() => api.get<ListOut<EndpointOut>>(`/app/${scope.appId}/endpoint?limit=250`), [scope.appId]);
  const [adding, setAdding] = useState(false);
  return (
    <section aria-labelledby="endpoints">
      <h2 id="endpoints">Endpoints</h2>
      <Loaded state={endpoints}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No endpoints yet. Add the URL where webhooks should be delivered.</Empty>
          ) : (
            <ul className="plain">
              {page.data.map((e) => (
                <li key={e.id}>
                  <Link to={`${scope.base}/endpoints/${e.id}`}>{e.url}</Link> <span className="tag">{e.profile}</span>
                  {e.disabled ? <span className="tag bad">disabled</span> : null}
                  {e.description ? ` — ${e.description}` : ''}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      {scope.readOnly ? null : adding ? (
        <EndpointForm scope={scope} onDone={() => {
            setAdding(false);
            endpoints.reload();
          }} />
      ) : (
        <button type="button" onClick={() => setAdding(true)}>
          Add endpoint
        </button>
      )}
    </section>
  );
}
