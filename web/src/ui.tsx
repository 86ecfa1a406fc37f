import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';

/** Loads data for a view; `reload` runs it again (after an action changed it). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ data, error: null }),
      (err: Error) => live && setState({ data: null, error: err.message }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** Calls `reload` every `everyMs` while the view is shown (lists that change by themselves). */
export function useRefresh(reload: () => void, everyMs = 3000): void {
  useEffect(() => {
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [reload, everyMs]);
}

/** Runs an action and keeps its error for display; `busy` while it runs. */
export function useAction(): { busy: boolean; error: string | null; run: (action: () => Promise<void>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

export function ErrorNote({ error }: { error: string | null }) {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A view's data, or its loading state, or its error. */
export function Loaded<T>({ state, children }: { state: { data: T | null; error: string | null }; children: (data: T) => ReactNode }) {
  if (state.error) return <ErrorNote error={state.error} />;
  if (state.data === null) return <p aria-busy="true">Loading…</p>;
  return <>{children(state.data)}</>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint ? <small>{hint}</small> : null}
    </div>
  );
}

/** A form whose submit runs an action, shows its error, and disables the button meanwhile. */
export function ActionForm({ label, onSubmit, children, name }: { label: string; onSubmit: () => Promise<void>; children: ReactNode; name?: string }) {
  const { busy, error, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(onSubmit);
  };
  return (
    <form onSubmit={submit} aria-label={name ?? label}>
      {children}
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Working…' : label}
      </button>
    </form>
  );
}

/**
 * A button that asks before it acts (a native dialog: focus moves into it and Escape cancels),
 * then shows the action's progress and result.
 */
export function ConfirmButton({ label, question, onConfirm }: { label: string; question: string; onConfirm: () => Promise<string | void> }) {
  const [asking, setAsking] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const confirm = () =>
    run(async () => {
      setAsking(false);
      setResult((await onConfirm()) ?? 'Done.');
    });
  return (
    <span className="confirm">
      <button type="button" onClick={() => setAsking(true)} disabled={busy}>
        {busy ? 'Working…' : label}
      </button>
      {asking ? (
        <span role="alertdialog" aria-label={label} className="dialog" onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}>
          <span>{question}</span>
          <button type="button" autoFocus onClick={() => void confirm()}>
            Yes, {label.toLowerCase()}
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </span>
      ) : null}
      {result && !busy ? <span role="status">{result}</span> : null}
      <ErrorNote error={error} />
    </span>
  );
}

export function Json({ value, label }: { value: unknown; label: string }) {
  const text = typeof value === 'string' ? prettyIfJson(value) : JSON.stringify(value, null, 2);
  return (
    <pre aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}

function prettyIfJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function Headers({ headers, label }: { headers: Record<string, string> | null; label: string }) {
  const entries = Object.entries(headers ?? {});
  if (entries.length === 0) return <Empty>No headers recorded.</Empty>;
  return (
    <table aria-label={label}>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td className="mono">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const when = (iso: string) => new Date(iso).toLocaleString();

/** Parses a JSON text field: empty → `empty`; otherwise an object or an error naming the field. */
export function parseJsonField(label: string, text: string, empty: unknown): unknown {
  if (text.trim() === '') return empty;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${label} is not valid JSON`);
  }
}
