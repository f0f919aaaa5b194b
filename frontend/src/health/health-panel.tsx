import type { Instance } from "@anchorage/common";
import { Alert } from "../alert.tsx";
import type { Hub } from "../instances/use-events.ts";
import { HealthChart } from "./health-chart.tsx";
import { useHealthHistory } from "./use-health.ts";

const HOURS = 24;

/** An opened instance's CPU and memory over the last 24 h, moving with every heartbeat. */
export function HealthPanel({ instance, hub, onExpired }: { instance: Instance; hub: Hub; onExpired: () => void }) {
  const { points, error, reload } = useHealthHistory(instance.id, HOURS, hub, onExpired);
  const now = Date.now();
  return (
    <section class="stack" aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      {error && (
        <Alert>
          <p>{error}</p>
          <button type="button" onClick={reload}>
            Try again
          </button>
        </Alert>
      )}
      {points === null ? (
        !error && <p class="muted">Loading the last {HOURS} hours…</p>
      ) : (
        <div class="health-charts">
          <HealthChart points={points} metric="cpu" hours={HOURS} now={now} />
          <HealthChart points={points} metric="memory" hours={HOURS} now={now} />
        </div>
      )}
    </section>
  );
}
