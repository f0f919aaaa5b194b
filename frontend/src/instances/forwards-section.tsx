import type { Instance } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { ApiError, authed, instancePath, request } from "../api.ts";
import { CopyButton } from "../proxies/copy-button.tsx";

type Forward = { name: string; target: string };
const getForwards = (id: string) =>
  authed(() => request<{ config: { forward?: Forward[] } | null }>("GET", instancePath(id, "config"))).then((r) => (r.config ? (r.config.forward ?? []) : null));

/**
 * The TCP services the agent's config offers (`forward:`), each with the command that reaches it
 * from another machine (`anchorage forward`). Read when the tab opens and when the agent reconnects.
 */
export function ForwardsSection({ instance: i, onExpired }: { instance: Instance; onExpired: () => void }) {
  const [forwards, setForwards] = useState<Forward[] | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    getForwards(i.id).then(
      (f) => current && setForwards(f),
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) return onExpired();
        if (current) setError(e instanceof Error ? e.message : "Could not read the config.");
      },
    );
    return () => void (current = false);
  }, [i.id, i.status, i.agent_version]);
  if (!i.permissions.includes("proxy:cloud_instance")) return null;
  return (
    <section class="card stack" aria-labelledby="forwards-title">
      <h2 id="forwards-title">TCP forwards</h2>
      {error && <p class="bad">{error}</p>}
      {forwards === undefined && !error && <p class="muted">Reading the config…</p>}
      {forwards === null && <p class="muted">The agent is not connected, so its forwards are not known here.</p>}
      {forwards?.length === 0 && (
        <p class="hint">
          None. To reach ssh or a database on this machine without opening a port, list it in the agent's <code>config.yaml</code> as{" "}
          <code>forward: [{"{ name: ssh, target: 127.0.0.1:22 }"}]</code> and restart the agent.
        </p>
      )}
      {forwards && forwards.length > 0 && (
        <ul class="stack plain">
          {forwards.map((f) => {
            const command = `anchorage forward ${i.id} ${f.name} --url ${location.origin} --port 0`;
            const id = `forward-${f.name}`;
            return (
              <li key={f.name}>
                <p>
                  <strong>{f.name}</strong> <span class="muted">to {f.target} on the machine</span>
                </p>
                <div class="copy-row">
                  <pre id={id} class="config-text">
                    <code>{command}</code>
                  </pre>
                  <CopyButton text={command} subject={`the forward command for ${f.name}`} selectId={id} />
                </div>
              </li>
            );
          })}
          <li class="hint">It prints the local port to connect to (ssh -p PORT you@127.0.0.1); it signs in through this browser, or takes --token.</li>
        </ul>
      )}
    </section>
  );
}
