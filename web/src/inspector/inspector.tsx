import { useState } from 'react';
import { api, type BinOut, type ListOut } from '../api';
import { ProfileSelect } from '../app/endpoint-form';
import { Link, navigate } from '../route';
import { ActionForm, Empty, Field, Loaded, useLoad, when } from '../ui';

/** The request inspector's bins, and a form to create one. */
export function Inspector() {
  const bins = useLoad(() => api.get<ListOut<BinOut>>('/inspector/bin'), []);
  return (
    <>
      <h1>Request inspector</h1>
      <p>
        A bin captures whatever is posted to its URL and checks each request's signature under the bin's profile and secret. Point an endpoint (or any
        sender) at it to see exactly what arrives. Bins live in this Herald process's memory: they expire, keep the newest 100 requests, and are gone
        after a restart.
      </p>
      <Loaded state={bins}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No bins yet. Create one below.</Empty>
          ) : (
            <ul className="plain">
              {page.data.map((b) => (
                <li key={b.id}>
                  <Link to={`/inspector/${b.id}`}>{b.name || b.id}</Link> <span className="tag">{b.profile}</span> {b.requestCount} requests · expires{' '}
                  {when(b.expiresAt)}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <NewBin />
    </>
  );
}

function NewBin() {
  const [f, setF] = useState({ name: '', profile: 'standard', secret: '', hours: '24' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const create = async () => {
    const bin = await api.post<BinOut>('/inspector/bin', { name: f.name, profile: f.profile, secret: f.secret.trim() || null, ttlSeconds: Math.round(Number(f.hours) * 3600) });
    navigate(`/inspector/${bin.id}`);
  };
  return (
    <section aria-labelledby="new-bin">
      <h2 id="new-bin">New bin</h2>
      <ActionForm label="Create bin" onSubmit={create}>
        <Field label="Name">{(id) => <input id={id} value={f.name} onChange={set('name')} />}</Field>
        <ProfileSelect value={f.profile} onChange={(profile) => setF({ ...f, profile })} hint="Whose signature to check." />
        <Field label="Secret (optional)" hint="The endpoint's signing secret (whsec_…). Without one, signatures are not checked.">
          {(id) => <input id={id} className="mono" autoComplete="off" value={f.secret} onChange={set('secret')} />}
        </Field>
        <Field label="Expires after (hours)">{(id) => <input id={id} type="number" min={0.1} max={168} step="any" value={f.hours} onChange={set('hours')} />}</Field>
      </ActionForm>
    </section>
  );
}
