import { useState } from 'react';
import { api, type EndpointOut, type EventTypeOut, type ListOut, type ProfileOut } from '../api';
import { ActionForm, Field, Loaded, parseJsonField, useLoad } from '../ui';
import type { AppScope } from './app-routes';

const jsonText = (v: unknown) => (v == null || (typeof v === 'object' && Object.keys(v).length === 0) ? '' : JSON.stringify(v, null, 2));

/** Creates an endpoint, or edits one (`endpoint` and its custom `headers` given). */
export function EndpointForm({ scope, endpoint, headers, onDone }: { scope: AppScope; endpoint?: EndpointOut; headers?: Record<string, string>; onDone: () => void }) {
  const [f, setF] = useState({
    url: endpoint?.url ?? '',
    description: endpoint?.description ?? '',
    profile: endpoint?.profile ?? 'standard',
    filterTypes: endpoint?.filterTypes ?? [],
    profileOptions: jsonText(endpoint?.profileOptions),
    payloadFilter: jsonText(endpoint?.payloadFilter),
    headers: jsonText(headers),
    rateLimit: endpoint?.rateLimit == null ? '' : String(endpoint.rateLimit),
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const save = async () => {
    const body = {
      url: f.url,
      description: f.description,
      profile: f.profile,
      filterTypes: f.filterTypes.length === 0 ? null : f.filterTypes,
      profileOptions: parseJsonField('Profile options', f.profileOptions, {}),
      payloadFilter: parseJsonField('Payload filter', f.payloadFilter, null),
      rateLimit: f.rateLimit.trim() === '' ? null : Number(f.rateLimit),
    };
    const customHeaders = parseJsonField('Custom headers', f.headers, {});
    const path = `/app/${scope.appId}/endpoint`;
    if (!endpoint) await api.post(path, { ...body, headers: customHeaders });
    else {
      await api.patch(`${path}/${endpoint.id}`, body);
      await api.put(`${path}/${endpoint.id}/headers`, { headers: customHeaders });
    }
    onDone();
  };
  return (
    <ActionForm label={endpoint ? 'Save endpoint' : 'Create endpoint'} name={endpoint ? 'Edit endpoint' : 'New endpoint'} onSubmit={save}>
      <Field label="URL">{(id) => <input id={id} type="url" required value={f.url} onChange={set('url')} placeholder="https://example.com/webhooks" />}</Field>
      <Field label="Description">{(id) => <input id={id} value={f.description} onChange={set('description')} />}</Field>
      <ProfileSelect value={f.profile} onChange={(profile) => setF({ ...f, profile })} />
      <EventTypePicker value={f.filterTypes} onChange={(filterTypes) => setF({ ...f, filterTypes })} />
      <Field label="Profile options (JSON)" hint='e.g. {"headerNames": "svix"}, or {"slowThresholdMs": 2000} for atscale'>
        {(id) => <textarea id={id} rows={2} value={f.profileOptions} onChange={set('profileOptions')} />}
      </Field>
      <Field label="Payload filter (JSON)" hint='MongoDB-style, e.g. {"job_id": {"$in": ["2", "7"]}}'>
        {(id) => <textarea id={id} rows={2} value={f.payloadFilter} onChange={set('payloadFilter')} />}
      </Field>
      <Field label="Custom headers (JSON)" hint='e.g. {"x-team": "data"}'>
        {(id) => <textarea id={id} rows={2} value={f.headers} onChange={set('headers')} />}
      </Field>
      <Field label="Rate limit (messages per second, empty for none)">{(id) => <input id={id} type="number" min={0} max={65535} value={f.rateLimit} onChange={set('rateLimit')} />}</Field>
    </ActionForm>
  );
}

const profileHint = 'How requests look on the wire: body envelope, signature, timeout and retries.';

export function ProfileSelect({ value, onChange, hint = profileHint }: { value: string; onChange: (v: string) => void; hint?: string }) {
  const profiles = useLoad(() => api.get<ListOut<ProfileOut>>('/profile'), []);
  return (
    <Field label="Profile" hint={hint}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          {(profiles.data?.data ?? [{ name: value }]).map((p) => (
            <option key={p.name}>{p.name}</option>
          ))}
        </select>
      )}
    </Field>
  );
}

function EventTypePicker({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const types = useLoad(() => api.get<ListOut<EventTypeOut>>('/event-type?limit=250'), []);
  const toggle = (name: string, on: boolean) => onChange(on ? [...value, name] : value.filter((n) => n !== name));
  return (
    <fieldset>
      <legend>Event types (none checked: every event)</legend>
      <Loaded state={types}>
        {(page) =>
          page.data.length === 0 ? (
            <small>The catalog is empty, so this endpoint gets every event.</small>
          ) : (
            <div className="checks">
              {page.data.map((t) => (
                <label key={t.name}>
                  <input type="checkbox" checked={value.includes(t.name)} onChange={(e) => toggle(t.name, e.target.checked)} /> {t.name}
                </label>
              ))}
            </div>
          )
        }
      </Loaded>
    </fieldset>
  );
}
