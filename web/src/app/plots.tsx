import { useEffect, useState } from 'react';
import { api, type AttemptOut, type ListOut } from '../api';
import { Empty, Loaded, useLoad, useRefresh } from '../ui';

/**
 * Plain SVG plots: no chart library. Success rate and latency come from the endpoint's latest
 * 250 attempts, grouped into up to 12 equal time buckets; queue depth (pending + sending) is
 * sampled from `…/stats` every 5 s while the page is open, so it starts empty.
 */
const bucketsMax = 12;
const sampleEveryMs = 5000;

interface Point {
  t: number;
  v: number;
}

export function EndpointPlots({ appId, epId }: { appId: string; epId: string }) {
  const attempts = useLoad(() => api.get<ListOut<AttemptOut>>(`/app/${appId}/attempt/endpoint/${epId}?limit=250`), [appId, epId]);
  useRefresh(attempts.reload, sampleEveryMs);
  return (
    <section aria-labelledby="plots">
      <h2 id="plots">Health</h2>
      <Loaded state={attempts}>
        {(page) => {
          if (page.data.length === 0) return <Empty>No attempts yet, so nothing to plot.</Empty>;
          const buckets = bucketise(page.data);
          const rate = buckets.map((b) => ({ t: b.t, v: (100 * b.items.filter((a) => a.status === 0).length) / b.items.length }));
          const latency = buckets.map((b) => ({ t: b.t, v: b.items.reduce((s, a) => s + a.responseDurationMs, 0) / b.items.length }));
          return (
            <div className="plots">
              <LineChart title="Success rate" unit="%" points={rate} yMax={100} />
              <LineChart title="Average latency" unit="ms" points={latency} />
            </div>
          );
        }}
      </Loaded>
      <QueueDepth appId={appId} epId={epId} />
    </section>
  );
}

function bucketise(attempts: AttemptOut[]): { t: number; items: AttemptOut[] }[] {
  const times = attempts.map((a) => Date.parse(a.timestamp));
  const start = Math.min(...times);
  const width = Math.max(1, (Math.max(...times) - start) / bucketsMax);
  const buckets = new Map<number, AttemptOut[]>();
  attempts.forEach((a, i) => {
    const k = Math.min(bucketsMax - 1, Math.floor((times[i]! - start) / width));
    buckets.set(k, [...(buckets.get(k) ?? []), a]);
  });
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([k, items]) => ({ t: start + k * width, items }));
}

function QueueDepth({ appId, epId }: { appId: string; epId: string }) {
  const [samples, setSamples] = useState<Point[]>([]);
  useEffect(() => {
    const sample = () =>
      api.get<Record<string, number>>(`/app/${appId}/endpoint/${epId}/stats`).then(
        (s) => setSamples((prev) => [...prev.slice(-59), { t: Date.now(), v: (s.pending ?? 0) + (s.sending ?? 0) }]),
        () => undefined,
      );
    void sample();
    const timer = setInterval(sample, sampleEveryMs);
    return () => clearInterval(timer);
  }, [appId, epId]);
  return <LineChart title="Queue depth (pending + sending, sampled while this page is open)" unit="" points={samples} />;
}

const W = 320;
const H = 120;
const pad = 28;

export function LineChart({ title, unit, points, yMax }: { title: string; unit: string; points: Point[]; yMax?: number }) {
  const last = points[points.length - 1];
  const summary = last ? `${title}: latest ${Math.round(last.v)}${unit}, ${points.length} points` : `${title}: no data yet`;
  const top = yMax ?? Math.max(1, ...points.map((p) => p.v));
  const t0 = points[0]?.t ?? 0;
  const span = Math.max(1, (last?.t ?? 0) - t0);
  const xy = points.map((p) => [pad + ((p.t - t0) / span) * (W - 2 * pad), H - pad - (p.v / top) * (H - 2 * pad)] as const);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <title>{summary}</title>
        <line x1={pad} y1={H - pad} x2={W - pad} y2={H - pad} className="axis" />
        <line x1={pad} y1={pad} x2={pad} y2={H - pad} className="axis" />
        <text x={2} y={pad + 4} className="tick">
          {Math.round(top)}
          {unit}
        </text>
        <text x={2} y={H - pad + 4} className="tick">
          0
        </text>
        {xy.length > 1 ? <polyline points={xy.map(([x, y]) => `${x},${y}`).join(' ')} className="line" /> : null}
        {xy.map(([x, y], i) => (
          <circle key={i} cx={x} cy={y} r={3} className="dot" />
        ))}
      </svg>
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
