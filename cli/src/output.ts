/**
 * Output: readable tables (or key/value blocks) by default, the API's JSON with `--json`.
 * Tables go to stdout; progress and notes go to stderr so that stdout stays parseable.
 */
export type Row = Record<string, unknown>;
export type Column = [header: string, value: (row: any) => unknown];

const cellMax = 60;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > cellMax ? `${text.slice(0, cellMax - 1)}…` : text;
}

export function table(rows: readonly Row[], columns: readonly Column[]): string {
  const grid = [columns.map(([header]) => header), ...rows.map((row) => columns.map(([, get]) => cell(get(row))))];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => line[i]!.length)));
  return grid.map((line) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function keyValues(row: Row, columns: readonly Column[]): string {
  const width = Math.max(...columns.map(([header]) => header.length));
  return columns.map(([header, get]) => `${header.padEnd(width)}  ${cell(get(row))}`).join('\n') + '\n';
}

export interface Printer {
  json: boolean;
  /** A list page: `{data, iterator, done}`. */
  list(page: { data: Row[]; iterator?: string | null; done?: boolean }, columns: readonly Column[]): void;
  one(row: Row, columns: readonly Column[]): void;
  /** A sentence for people; in --json mode `value` is printed instead. */
  done(sentence: string, value?: unknown): void;
}

export function printer(json: boolean): Printer {
  const out = (text: string) => process.stdout.write(text);
  return {
    json,
    list(page, columns) {
      if (json) return out(`${JSON.stringify(page, null, 2)}\n`);
      out(page.data.length === 0 ? '(none)\n' : table(page.data, columns));
      if (page.done === false && page.iterator) process.stderr.write(`more: --iterator ${page.iterator}\n`);
    },
    one(row, columns) {
      out(json ? `${JSON.stringify(row, null, 2)}\n` : keyValues(row, columns));
    },
    done(sentence, value) {
      out(json ? `${JSON.stringify(value ?? {}, null, 2)}\n` : `${sentence}\n`);
    },
  };
}
