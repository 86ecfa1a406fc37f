import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fmt as rate, mb } from './format.mjs';

/**
 * Keeps one generated section per kind of run (quick, full, and quick-custom / full-custom for
 * runs with other sizes or a subset of scenarios) in bench/RESULTS.md, between markers, and
 * leaves everything outside the markers (the hand-written analysis) alone. A missing file is
 * created with both markers.
 */
export function updateResultsMd(file, result, table) {
  const begin = `<!-- bench:${result.section}:begin -->`;
  const end = `<!-- bench:${result.section}:end -->`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : skeleton();
  if (!text.includes(begin) || !text.includes(end)) text = `${text.trimEnd()}\n\n${begin}\n${end}\n`;
  const before = text.slice(0, text.indexOf(begin) + begin.length);
  const after = text.slice(text.indexOf(end));
  writeFileSync(file, `${before}\n${section(result, table)}\n${after}`);
}

function skeleton() {
  return `# Herald benchmark results

Generated sections below are rewritten by \`npm run bench\` (quick) and \`npm run bench -- --full\`;
the JSON of every run is in \`bench/results/\`.

<!-- bench:quick:begin -->
<!-- bench:quick:end -->

<!-- bench:full:begin -->
<!-- bench:full:end -->
`;
}

function loadLine(st) {
  return (
    `${st.concurrency} clients, ~${st.payloadBytes}-byte payloads, ${st.n.toLocaleString('en-US')} messages per throughput run after ${st.warmup.toLocaleString('en-US')} warm-up; ` +
    `batches of ${st.batchSize} × ${st.batches} at ${st.batchConcurrency} clients; latency ${st.rate}/s for ${st.latencyS} s`
  );
}

function section(r, table) {
  const m = r.machine;
  const d = r.details;
  const lines = [
    `### Latest ${r.section} pass: ${r.date}`,
    '',
    `- **Command:** \`${r.command}\` (${r.durationS} s in all${r.built ? ', build included' : ''})`,
    ...(r.herald && r.herald !== 'this checkout' ? [`- **Herald:** the build in ${r.herald}`] : []),
    `- **Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.platform}; Node ${m.node}; Herald's data dir on ${m.dataDirFs ?? '?'} (${m.dataDir}); load average ${m.loadAvgStart.join(' / ')} at start, ${m.loadAvgEnd.join(' / ')} at end`,
    `- **Layout:** ${r.layout}`,
    `- **Load:** ${r.loadLine ?? loadLine(r.settings)}`,
    '',
  ];
  if (r.table.length > 0) lines.push(table, '');
  const notes = [];
  for (const [name, x] of [['Herald e2e', d.herald], ['Herald e2e, 10 apps', d.heraldApps], [`Herald e2e, endpoint maxConcurrency ${r.settings.concurrency}`, d.heraldC50]]) {
    if (!x) continue;
    notes.push(
      `${name}: ${x.accepted} accepted in ${x.sendS.toFixed(2)} s, ${x.received} received after ${x.deliverS.toFixed(2)} s ` +
        `(${rate(x.deliveredPerSWhileSending)}/s while the clients were sending, ${x.deliveredPerSAfterSending == null ? 'nothing left after' : `${rate(x.deliveredPerSAfterSending)}/s after`}); ` +
        `202 latency p50 ${x.ackMs?.p50.toFixed(1)} ms, p99 ${x.ackMs?.p99.toFixed(1)} ms; RSS ${mb(x.rssBytes)}`,
    );
  }
  if (d.relay) notes.push(`Relay: 202 latency p50 ${d.relay.ackMs?.p50.toFixed(1)} ms, p99 ${d.relay.ackMs?.p99.toFixed(1)} ms`);
  if (d.heraldBatch) notes.push(`/msg/batch: ${d.heraldBatch.acceptedMessages} messages accepted in ${d.heraldBatch.sendS.toFixed(2)} s (202 p50 ${d.heraldBatch.ackMs?.p50.toFixed(0)} ms per batch); ${d.heraldBatch.deliveredMeanwhile} delivered meanwhile; RSS ${mb(d.heraldBatch.rssBytes)}`);
  for (const [name, x] of [['relay', d.relayLatency], ['Herald', d.heraldLatency]]) {
    if (!x) continue;
    const worst = x.latencyMs?.perSecond?.map((b) => (b.maxMs === null ? '-' : Math.round(b.maxMs))).join(' ');
    notes.push(
      `Latency run, ${name}: offered ${x.offeredPerS.toFixed(0)}/s, ${x.accepted} accepted, ${x.received} received, ${x.skipped} skipped (in-flight cap); ` +
        `max ${x.latencyMs?.max.toFixed(1)} ms; 202 p50 ${x.ackMs?.p50.toFixed(1)} ms, p99 ${x.ackMs?.p99.toFixed(1)} ms; worst latency per second of the run (ms): ${worst}`,
    );
  }
  notes.push(...(r.extraNotes ?? []));
  if (notes.length) lines.push(...notes.map((n) => `- ${n}`), '');
  for (const [what, s] of [
    ['the whole timed e2e run (ingest and delivery together)', d.herald?.sql],
    ['the drain after the clients stopped (delivery only)', d.herald?.sqlDrain],
  ]) {
    if (!s) continue;
    lines.push(
      `SQL statements over ${what}: ${s.total} for ${s.delivered} delivered messages = ${s.perMessage.toFixed(2)} per message (${s.perMessageExcludingTxControl.toFixed(2)} without BEGIN/COMMIT/SAVEPOINT/RELEASE):`,
      '',
      '| per message | count | statement |',
      '|---|---|---|',
      ...s.top.map((t) => `| ${t.perMessage.toFixed(3)} | ${t.count} | \`${t.sql.replace(/\|/g, '\\|')}\` |`),
      '',
    );
  }
  for (const p of (d.profiles ?? []).filter((p) => !p.error)) {
    lines.push(`CPU profile of Herald's ${p.thread} over the e2e run (--profile; ${(p.busyMs / 1000).toFixed(1)} s busy of ${(p.totalMs / 1000).toFixed(1)} s sampled), self time:`, '');
    lines.push('| share | area |', '|---|---|', ...p.areas.slice(0, 10).map((a) => `| ${a.pct.toFixed(1)} % | ${a.area} |`), '');
    lines.push('| share | function |', '|---|---|', ...p.functions.slice(0, 15).map((f) => `| ${f.pct.toFixed(1)} % | \`${f.name}\` |`), '');
  }
  return lines.join('\n');
}
