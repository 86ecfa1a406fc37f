import type { ReactNode } from 'react';
import { useAction, ErrorNote } from './ui';

/** The page frame: a skip link, the header with navigation and sign-out, and the main region. */
export function Shell({ title, nav, onSignOut, children }: { title: string; nav: [string, string][]; onSignOut: () => Promise<void>; children: ReactNode }) {
  const { busy, error, run } = useAction();
  return (
    <>
      {/* A button, not an anchor: the fragment holds the page route. */}
      <button type="button" className="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header>
        <strong>{title}</strong>
        <nav aria-label="Main">
          {nav.map(([to, label]) => (
            <a key={to} href={`#${to}`}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" onClick={() => void run(onSignOut)} disabled={busy}>
          Sign out
        </button>
        <ErrorNote error={error} />
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
