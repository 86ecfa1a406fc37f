import { useState } from 'react';
import { api, type ListOut, type MessageOut } from '../api';
import { Link, navigate } from '../route';
import { ActionForm, Empty, Field, Loaded, useLoad, when } from '../ui';
import type { AppScope } from './app-routes';

interface Search {
  eventType: string;
  channel: string;
  after: string;
  before: string;
}

const emptySearch: Search = { eventType: '', channel: '', after: '', before: '' };

function query(s: Search): string {
  const q = new URLSearchParams({ limit: '50' });
  if (s.eventType) q.set('event_types', s.eventType);
  if (s.channel) q.set('channel', s.channel);
  if (s.after) q.set('after', new Date(s.after).toISOString());
  if (s.before) q.set('before', new Date(s.before).toISOString());
  return q.toString();
}

/** Messages of the app, searchable by event type, channel and time; or found by eventId / id. */
export function MessageSearch({ scope }: { scope: AppScope }) {
  const [form, setForm] = useState(emptySearch);
  const [search, setSearch] = useState(emptySearch);
  const messages = useLoad(() => api.get<ListOut<MessageOut>>(`/app/${scope.appId}/msg?${query(search)}`), [scope.appId, search]);
  const set = (k: keyof Search) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <section aria-labelledby="messages">
      <h2 id="messages">Messages</h2>
      <FindById scope={scope} />
      <ActionForm label="Search" name="Search messages" onSubmit={async () => setSearch(form)}>
        <div className="row">
          <Field label="Event type">{(id) => <input id={id} value={form.eventType} onChange={set('eventType')} />}</Field>
          <Field label="Channel">{(id) => <input id={id} value={form.channel} onChange={set('channel')} />}</Field>
          <Field label="After">{(id) => <input id={id} type="datetime-local" value={form.after} onChange={set('after')} />}</Field>
          <Field label="Before">{(id) => <input id={id} type="datetime-local" value={form.before} onChange={set('before')} />}</Field>
        </div>
      </ActionForm>
      <Loaded state={messages}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No messages match. Messages appear here once your platform sends them (or you send an example from an endpoint).</Empty>
          ) : (
            <ul className="plain">
              {page.data.map((m) => (
                <li key={m.id}>
                  <Link to={`${scope.base}/msgs/${m.id}`}>{m.eventType}</Link> <span className="mono">{m.eventId ?? m.id}</span> · {when(m.timestamp)}
                  {m.channels ? ` · channels ${m.channels.join(', ')}` : ''}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

function FindById({ scope }: { scope: AppScope }) {
  const [id, setId] = useState('');
  const find = async () => {
    const msg = await api.get<MessageOut>(`/app/${scope.appId}/msg/${encodeURIComponent(id.trim())}`);
    navigate(`${scope.base}/msgs/${msg.id}`);
  };
  return (
    <ActionForm label="Find" name="Find a message" onSubmit={find}>
      <Field label="Message id or eventId">{(fid) => <input id={fid} required value={id} onChange={(e) => setId(e.target.value)} />}</Field>
    </ActionForm>
  );
}
