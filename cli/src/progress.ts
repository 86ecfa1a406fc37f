/**
 * A progress indicator on stderr for operations that take a while (catalog import, recover,
 * replay): a spinner with the elapsed time on a terminal, one line when it ends elsewhere, and
 * nothing in `--json` mode.
 */
const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export async function withProgress<T>(label: string, enabled: boolean, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let i = 0;
  const timer = tty
    ? setInterval(() => process.stderr.write(`\r${frames[i++ % frames.length]} ${label} ${((Date.now() - started) / 1000).toFixed(1)} s`), 100)
    : null;
  try {
    const result = await work();
    finish(`✓ ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  } catch (err) {
    finish(`✗ ${label}`);
    throw err;
  }

  function finish(line: string): void {
    if (timer) clearInterval(timer);
    process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`);
  }
}

/** A counted bar (`[#####-----] 3/10 label`) for work over a known number of items. */
export function progressBar(label: string, total: number, enabled: boolean): { tick(): void; end(): void } {
  const tty = process.stderr.isTTY === true;
  let count = 0;
  const draw = (final: boolean) => {
    if (!enabled || (!tty && !final)) return;
    const width = 20;
    const filled = total === 0 ? width : Math.round((count / total) * width);
    process.stderr.write(`${tty ? '\r\x1b[K' : ''}[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${count}/${total} ${label}${final ? '\n' : ''}`);
  };
  draw(false);
  return {
    tick() {
      count++;
      draw(false);
    },
    end() {
      draw(true);
    },
  };
}
