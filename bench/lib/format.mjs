/** Figures as the bench prints them. */
export const fmt = (n) => (n == null ? 'n/a' : Math.round(n).toLocaleString('en-US'));
export const ms = (n) => (n == null ? 'n/a' : `${n.toFixed(1)} ms`);
export const mb = (bytes) => (bytes == null ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MB`);
