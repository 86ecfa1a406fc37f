import { readdir, readFile } from 'node:fs/promises';

/** Resident set size of a process, from /proc (Linux), in bytes; null elsewhere. */
export async function rssOf(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Open file descriptors of a process (entries of /proc/<pid>/fd); null elsewhere. */
export async function fdCountOf(pid) {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return null;
  }
}

/** Samples `rssOf(pid)` every `everyMs` until `stop()`, which returns the peak in bytes. */
export function samplePeakRss(pid, everyMs = 500) {
  let peak = 0;
  const take = async () => {
    const rss = await rssOf(pid);
    if (rss > peak) peak = rss;
  };
  const timer = setInterval(take, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await take();
      return peak;
    },
  };
}
