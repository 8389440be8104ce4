import { useQuery } from "@tanstack/react-query";
import { trpc } from "../lib/trpc";
import { errorMessage } from "../lib/errors";

/** Where sweeps, walk-forwards and Monte Carlo run: threads in the server, or the queue and its workers. */
export function QueueStatus() {
  const q = useQuery({ ...trpc.research.backend.queryOptions(), refetchInterval: 3000 });
  if (q.error) return <div className="field-error">{errorMessage(q.error)}</div>;
  const b = q.data;
  if (!b) return <div className="help">Asking the server…</div>;
  if (b.kind === "threads") {
    return (
      <div className="help" data-testid="queue-status" data-kind="threads">
        Worker threads in the Keyflow server, one per core. To share sweeps across machines, set KEYFLOW_REDIS_URL and start <code>keyflow worker</code> processes (see the README).
      </div>
    );
  }
  const counts: [string, number, string][] = [
    ["Workers connected", b.workers, "queue-workers"],
    ["Chunks waiting", b.waiting, "queue-waiting"],
    ["Chunks running", b.active, "queue-active"],
    ["Chunks failed", b.failed, "queue-failed"],
  ];
  return (
    <div data-testid="queue-status" data-kind="queue" data-reachable={b.reachable}>
      <div className="help" style={{ marginTop: 0 }}>
        Queue at <code>{b.at}</code>
        {b.reachable
          ? b.workers === 0
            ? " — no worker connected: sweeps wait until you start one (keyflow worker)."
            : ""
          : " is not answering: sweeps wait until Redis is back."}
      </div>
      <div className="queue-counts">
        {counts.map(([label, n, id]) => (
          <div className="stat" key={id} data-testid={id}>
            <div className="k">{label}</div>
            <div className="v">{b.reachable ? n.toLocaleString("en-US") : "—"}</div>
          </div>
        ))}
      </div>
    </div>
  );
}
