import type { Instance } from "@anchorage/common";
import { formatDate, formatUptime, formatUsage } from "../format.ts";
import { relationLabel } from "./labels.tsx";

/** What is known about an instance: who it is to you, its host, platform, agent, and its last heartbeat's numbers. */
export function InstanceFacts({ instance: i }: { instance: Instance }) {
  return (
    <dl class="facts">
      <dt>Access</dt>
      <dd>{relationLabel[i.relation]}</dd>
      <dt>Host</dt>
      <dd>{i.hostname ?? "—"}</dd>
      <dt>Platform</dt>
      <dd>{[i.platform, i.arch].filter(Boolean).join(" / ") || "—"}</dd>
      <dt>Agent</dt>
      <dd>{i.agent_version ?? "—"}</dd>
      <dt>Last seen</dt>
      <dd>{i.last_seen_at ? <time dateTime={i.last_seen_at}>{formatDate(i.last_seen_at)}</time> : "Never"}</dd>
      {i.stats && (
        <>
          <dt>CPU</dt>
          <dd>
            {Math.round(i.stats.cpu)}% · load {i.stats.load.map((n) => n.toFixed(2)).join(", ")}
          </dd>
          <dt>Memory</dt>
          <dd>{formatUsage(i.stats.memory)}</dd>
          <dt>Disk</dt>
          <dd>{formatUsage(i.stats.disk)}</dd>
          <dt>Uptime</dt>
          <dd>{formatUptime(i.stats.uptime)}</dd>
        </>
      )}
    </dl>
  );
}
