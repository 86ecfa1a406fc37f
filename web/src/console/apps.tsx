import { useState } from 'react';
import { api, type AppOut, type ListOut } from '../api';
import { Link, navigate } from '../route';
import { ActionForm, Empty, Field, Loaded, useLoad, when } from '../ui';

/** Applications: one per tenant. */
export function Apps() {
  const apps = useLoad(() => api.get<ListOut<AppOut>>('/app?limit=250'), []);
  return (
    <>
      <h1>Applications</h1>
      <Loaded state={apps}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No applications yet. Create one for each of your customers (tenants) below.</Empty>
          ) : (
            <table>
              <caption className="sr-only">Applications</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">uid</th>
                  <th scope="col">id</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link to={`/apps/${a.id}`}>{a.name}</Link>
                    </td>
                    <td className="mono">{a.uid ?? '—'}</td>
                    <td className="mono">{a.id}</td>
                    <td>{when(a.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      <NewApp />
    </>
  );
}

function NewApp() {
  const [name, setName] = useState('');
  const [uid, setUid] = useState('');
  const create = async () => {
    const app = await api.post<AppOut>('/app', { name, ...(uid.trim() ? { uid: uid.trim() } : {}) });
    navigate(`/apps/${app.id}`);
  };
  return (
    <section aria-labelledby="new-app">
      <h2 id="new-app">New application</h2>
      <ActionForm label="Create application" onSubmit={create}>
        <Field label="Name">{(id) => <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="uid (optional)" hint="Your own id for the tenant, e.g. its account number; usable wherever the id is.">
          {(id) => <input id={id} value={uid} onChange={(e) => setUid(e.target.value)} />}
        </Field>
      </ActionForm>
    </section>
  );
}
