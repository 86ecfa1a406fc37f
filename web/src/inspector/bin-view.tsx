import { useEffect, useState } from 'react';
import { api, type BinOut, type CapturedRequest } from '../api';
import { Link, navigate } from '../route';
import { ConfirmButton, Empty, Headers, Json, Loaded, useLoad, when } from '../ui';

const verdicts: Record<CapturedRequest['verification']['status'], string> = {
  verified: 'signature verified',
  failed: 'signature invalid',
  unsigned: 'not signed',
  unchecked: 'not checked',
};

/** One bin: its URL and secret, and its requests live over Server-Sent Events. */
export function BinView({ binId }: { binId: string }) {
  const bin = useLoad(() => api.get<BinOut>(`/inspector/bin/${binId}`), [binId]);
  return (
    <Loaded state={bin}>
      {(b) => (
        <>
          <p>
            <Link to="/inspector">← Bins</Link>
          </p>
          <h1>Bin {b.name || b.id}</h1>
          <p>
            Send requests to <input readOnly aria-label="Bin URL" className="mono wide" value={b.url} onFocus={(e) => e.target.select()} />
          </p>
          <p>
            Profile <span className="tag">{b.profile}</span> · secret {b.secret ? <span className="mono">{b.secret}</span> : 'none (signatures not checked)'} · expires{' '}
            {when(b.expiresAt)}
          </p>
          <ConfirmButton
            label="Delete bin"
            question="Delete this bin and everything it captured?"
            onConfirm={async () => {
              await api.del(`/inspector/bin/${b.id}`);
              navigate('/inspector');
            }}
          />
          <LiveRequests binId={b.id} />
        </>
      )}
    </Loaded>
  );
}

function useBinStream(binId: string): { requests: CapturedRequest[]; live: boolean } {
  const [requests, setRequests] = useState<CapturedRequest[]>([]);
  const [live, setLive] = useState(false);
  useEffect(() => {
    setRequests([]);
    const source = new EventSource(`/api/v1/inspector/bin/${binId}/stream`);
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(false);
    source.addEventListener('request', (e) => {
      const r = JSON.parse((e as MessageEvent<string>).data) as CapturedRequest;
      setRequests((prev) => (prev.some((p) => p.id === r.id) ? prev : [r, ...prev]));
    });
    source.addEventListener('expired', () => source.close());
    return () => source.close();
  }, [binId]);
  return { requests, live };
}

function LiveRequests({ binId }: { binId: string }) {
  const { requests, live } = useBinStream(binId);
  return (
    <section aria-labelledby="captured">
      <h2 id="captured">
        Requests <small role="status">{live ? '(live)' : '(connecting…)'}</small>
      </h2>
      {requests.length === 0 ? (
        <Empty>Nothing yet. Requests appear here the moment they arrive.</Empty>
      ) : (
        <ul className="plain" aria-live="polite">
          {requests.map((r) => (
            <li key={r.id}>
              <details>
                <summary>
                  <span className={`tag ${r.verification.status === 'verified' ? 'good' : r.verification.status === 'failed' ? 'bad' : ''}`}>{verdicts[r.verification.status]}</span> {r.method}{' '}
                  {when(r.receivedAt)} · {r.bodyBytes} bytes
                </summary>
                <p>{r.verification.detail}</p>
                <Headers headers={r.headers} label="Captured headers" />
                <Json value={r.body} label="Captured body" />
                {r.truncated ? <small>Body cut at 64 KiB; the signature was checked on the whole body.</small> : null}
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
