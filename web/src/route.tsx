import { useEffect, useState, type ReactNode } from 'react';

/**
 * Pages route by URL fragment (`#/apps/app_…`), so Herald serves the same HTML at `/` and
 * `/portal` and needs no fallback route; links stay plain anchors, which keyboards and screen
 * readers handle as links.
 */
export function useHashPath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return path;
}

function currentPath(): string {
  const hash = window.location.hash.replace(/^#/, '');
  return hash.startsWith('/') ? hash : '/';
}

export function navigate(path: string): void {
  window.location.hash = path;
}

export function Link({ to, children }: { to: string; children: ReactNode }) {
  return <a href={`#${to}`}>{children}</a>;
}

/** Matches `pattern` (`/apps/:app/endpoints/:ep`) against `path`; the named parts, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = decodeURIComponent(got[i]!);
    if (w.startsWith(':')) out[w.slice(1)] = g;
    else if (w !== g) return null;
  }
  return out;
}
