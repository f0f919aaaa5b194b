import type { Instance } from "@anchorage/common";
import type { Share } from "../shares/share-draft.ts";
import { formatBytes, formatDate } from "../format.ts";
import { InstanceSparkline } from "../health/instance-sparkline.tsx";
import { paths } from "../shell/routes.ts";
import { useAppData } from "../shell/app-data.tsx";
import { instanceStatus, StateBadge } from "./labels.tsx";

/** Rows that get a CPU sparkline (each reads its last hour once): a long list keeps to the numbers. */
const SPARKLINE_ROWS = 30;

const platformOf = (i: Instance) => [i.platform, i.arch].filter(Boolean).join(" / ") || "—";

interface InstanceTableProps {
  /** The table's accessible name (the heading above it). */
  labelledBy: string;
  instances: readonly Instance[];
  /** Shares received, by instance id: a "Shared with me" table says who shared, what and until when. */
  shares?: ReadonlyMap<string, Share>;
  /** Owners' emails by id (the admin's Everything page names each instance's owner). */
  owners?: ReadonlyMap<string, string>;
}

/**
 * Instances as a table: name (a link to the instance's page), status, host, CPU with the last
 * hour's sparkline, memory, when last seen, and quick links to its terminal and files.
 */
export function InstanceTable({ labelledBy, instances, shares, owners }: InstanceTableProps) {
  const { hub, onExpired } = useAppData();
  return (
    <div class="table-scroll" role="region" aria-labelledby={labelledBy} tabIndex={0}>
      <table class="instances">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" class="wide-only">Status</th>
            {shares ? <th scope="col" class="wide-only">Shared by</th> : owners ? <th scope="col" class="wide-only">Owner</th> : <th scope="col" class="wide-only">Host</th>}
            <th scope="col">CPU</th>
            <th scope="col" class="wide-only">{shares ? "Access" : "Memory"}</th>
            <th scope="col" class="wide-only">{shares ? "Until" : "Last seen"}</th>
            <th scope="col">
              <span class="visually-hidden">Quick actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {instances.map((i, row) => {
            const share = shares?.get(i.id);
            return (
              <tr key={i.id}>
                <th scope="row">
                  <a href={paths.instance(i.id)}>{i.name}</a>
                  {i.tags.length > 0 && <span class="sub">{i.tags.join(", ")}</span>}
                  <span class="narrow-only">
                    <StateBadge {...instanceStatus(i.status)} />
                  </span>
                </th>
                <td class="wide-only">
                  <StateBadge {...instanceStatus(i.status)} />
                </td>
                {shares ? (
                  <td class="wide-only">{share?.owner_email ?? "—"}</td>
                ) : owners ? (
                  <td class="wide-only">{owners.get(i.owner_id) ?? i.owner_id}</td>
                ) : (
                  <td class="wide-only">
                    {i.hostname ?? "—"}
                    <span class="sub">{platformOf(i)}</span>
                  </td>
                )}
                <td>
                  <span class="cpu-cell">
                    {i.stats ? `${Math.round(i.stats.cpu)}%` : "—"}
                    {row < SPARKLINE_ROWS && <InstanceSparkline instanceId={i.id} name={i.name} hub={hub} onExpired={onExpired} />}
                  </span>
                </td>
                {shares ? (
                  <td class="wide-only">{permissionWords(i)}</td>
                ) : (
                  <td class="wide-only">{i.stats ? `${formatBytes(i.stats.memory.used)} / ${formatBytes(i.stats.memory.total)}` : "—"}</td>
                )}
                {shares ? (
                  <td class="wide-only">{share?.expires_at ? <time dateTime={share.expires_at}>{formatDate(share.expires_at)}</time> : "No end"}</td>
                ) : (
                  <td class="wide-only">{i.last_seen_at ? <time dateTime={i.last_seen_at}>{formatDate(i.last_seen_at)}</time> : "Never"}</td>
                )}
                <td>
                  <span class="row-links">
                    {i.permissions.includes("terminal:cloud_instance") && (
                      <a href={paths.instance(i.id, "terminal")}>
                        Terminal<span class="visually-hidden"> on {i.name}</span>
                      </a>
                    )}
                    <a href={paths.instance(i.id, "files")}>
                      Files<span class="visually-hidden"> of {i.name}</span>
                    </a>
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** What a sharee may do, in words: the actions without their `:cloud_instance` suffix. */
const permissionWords = (i: Instance) => i.permissions.map((p) => p.split(":")[0]).join(", ") || "—";
