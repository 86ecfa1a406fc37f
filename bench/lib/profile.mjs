import { readFileSync } from 'node:fs';

/**
 * Self time of a V8 `.cpuprofile` (from `node --cpu-prof`), by function and by area: Herald's own
 * code (dist/…), a dependency (node_modules/<package>), Node's internals (node:…), or V8's
 * pseudo-frames ((garbage collector), (program), (idle)). Idle time is left out of the
 * percentages, so they read as shares of the CPU the server actually used.
 */
export function summariseProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map();
  const byArea = new Map();
  let busyUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const area = areaOf(url, functionName);
    const name = `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const ranked = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: (100 * us) / busyUs }));
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    areas: ranked(byArea).map(({ name, ms, pct }) => ({ area: name, ms, pct })).slice(0, 20),
    functions: ranked(byFunction).slice(0, 30),
  };
}

function areaOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : 'native (V8 builtins, C++ bindings)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return `dependency: ${dep[1]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  const own = /\/dist\/(.+)$/.exec(url);
  if (own) return `herald: ${own[1].split('/').slice(0, -1).join('/') || own[1]}`;
  return url;
}

function shortUrl(url) {
  if (!url) return '';
  const dep = /node_modules\/(.+)$/.exec(url);
  if (dep) return dep[1];
  const own = /\/(dist\/.+)$/.exec(url);
  if (own) return own[1];
  return url.replace(/^file:\/\//, '');
}
