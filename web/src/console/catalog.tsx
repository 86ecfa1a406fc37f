import { api, type EventTypeOut, type ListOut, type ProfileOut } from '../api';
import { ConfirmButton, Empty, Json, Loaded, useLoad } from '../ui';

interface ImportOut {
  created: string[];
  updated: string[];
  unchanged: string[];
  skipped: string[];
}

/** The event catalog, and each profile's catalog to install. */
export function Catalog() {
  const types = useLoad(() => api.get<ListOut<EventTypeOut>>('/event-type?limit=250&with_content=true'), []);
  const profiles = useLoad(() => api.get<ListOut<ProfileOut>>('/profile'), []);
  const install = async (name: string) => {
    const out = await api.post<ImportOut>(`/event-type/import/profile/${name}`);
    types.reload();
    return `Installed: ${out.created.length} created, ${out.updated.length} updated, ${out.unchanged.length} unchanged, ${out.skipped.length} skipped.`;
  };
  return (
    <>
      <h1>Event catalog</h1>
      <section aria-labelledby="install">
        <h2 id="install">Install a profile's catalog</h2>
        <Loaded state={profiles}>
          {(page) => (
            <ul className="plain">
              {page.data
                .filter((p) => p.catalog.length > 0)
                .map((p) => (
                  <li key={p.name}>
                    <strong>{p.name}</strong> ({p.catalog.join(', ')}){' '}
                    <ConfirmButton label={`Install ${p.name}`} question={`Create or update the ${p.catalog.length} event types of ${p.name}?`} onConfirm={() => install(p.name)} />
                  </li>
                ))}
            </ul>
          )}
        </Loaded>
      </section>
      <section aria-labelledby="types">
        <h2 id="types">Event types</h2>
        <Loaded state={types}>
          {(page) => (page.data.length === 0 ? <Empty>No event types yet. Install a profile's catalog above, or create them through the API.</Empty> : <TypeList types={page.data} />)}
        </Loaded>
      </section>
    </>
  );
}

function TypeList({ types }: { types: EventTypeOut[] }) {
  return (
    <ul className="plain">
      {types.map((t) => (
        <li key={t.name}>
          <details>
            <summary>
              <span className="mono">{t.name}</span> {t.archived ? '(archived)' : ''} — {t.description || 'no description'}
            </summary>
            {t.schemas ? <Json value={t.schemas} label={`Schema and examples of ${t.name}`} /> : <Empty>No schema.</Empty>}
          </details>
        </li>
      ))}
    </ul>
  );
}
