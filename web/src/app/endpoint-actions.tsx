import { useState } from 'react';
import { api, type EndpointOut, type EventTypeOut, type ListOut, type MessageOut, type TaskOut } from '../api';
import { ActionForm, ConfirmButton, Field, useLoad } from '../ui';

/** Reveal and rotate the signing secret. */
export function SecretPanel({ path }: { path: string }) {
  const [secret, setSecret] = useState<string | null>(null);
  const reveal = async () => setSecret((await api.get<{ key: string }>(`${path}/secret`)).key);
  return (
    <section aria-labelledby="secret">
      <h2 id="secret">Signing secret</h2>
      {secret ? (
        <p>
          <input readOnly aria-label="Signing secret" className="mono wide" value={secret} onFocus={(e) => e.target.select()} />
        </p>
      ) : (
        <ActionForm label="Reveal secret" onSubmit={reveal}>
          {null}
        </ActionForm>
      )}
      <ConfirmButton
        label="Rotate secret"
        question="Make a new secret? The old one keeps signing beside it for 24 hours (Standard Webhooks profiles)."
        onConfirm={async () => {
          await api.post(`${path}/secret/rotate`, {});
          setSecret(null);
          return 'Rotated. Reveal the secret to copy the new one.';
        }}
      />
    </section>
  );
}

/** Sends one of an event type's catalog examples to this endpoint. */
export function SendExample({ path, endpoint }: { path: string; endpoint: EndpointOut }) {
  const types = useLoad(() => api.get<ListOut<EventTypeOut>>('/event-type?limit=250'), []);
  const names = endpoint.filterTypes ?? types.data?.data.map((t) => t.name) ?? [];
  const [eventType, setEventType] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const send = async () => setSent((await api.post<MessageOut>(`${path}/send-example`, { eventType: eventType || names[0] })).id);
  return (
    <section aria-labelledby="send-example">
      <h2 id="send-example">Test with an example</h2>
      {names.length === 0 ? (
        <p className="empty">No event types to send: install a catalog first.</p>
      ) : (
        <ActionForm label="Send example" onSubmit={send}>
          <Field label="Event type">
            {(id) => (
              <select id={id} value={eventType || names[0]} onChange={(e) => setEventType(e.target.value)}>
                {names.map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            )}
          </Field>
          {sent ? <p role="status">Sent message {sent}. Its attempt appears below within a moment.</p> : null}
        </ActionForm>
      )}
    </section>
  );
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString().slice(0, 16);

/** Recover failed deliveries, or replay messages never sent here, since a time. */
export function Recovery({ path, portal }: { path: string; portal: boolean }) {
  const [since, setSince] = useState(hoursAgo(24));
  const run = (what: 'recover' | 'replay-missing') => async () => {
    let task = await api.post<TaskOut>(`${path}/${what}`, { since: new Date(since).toISOString() });
    // The portal cannot read background tasks (organisation route); Herald finishes these inside the request anyway.
    while (task.status === 'running' && !portal) {
      await new Promise((r) => setTimeout(r, 1000));
      task = await api.get<TaskOut>(`/background-task/${task.id}`);
    }
    return `Task ${task.id}: ${task.status}${task.data ? ` ${JSON.stringify(task.data)}` : ''}.`;
  };
  return (
    <section aria-labelledby="recovery">
      <h2 id="recovery">Recover and replay</h2>
      <Field label="Since (your local time)">{(id) => <input id={id} type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />}</Field>
      <p className="actions">
        <ConfirmButton label="Recover failed" question={`Send again every message that failed for this endpoint since ${since}?`} onConfirm={run('recover')} />
        <ConfirmButton label="Replay missing" question={`Send every message since ${since} that never went to this endpoint?`} onConfirm={run('replay-missing')} />
      </p>
    </section>
  );
}
