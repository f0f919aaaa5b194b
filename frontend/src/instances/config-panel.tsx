import type { Instance } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError, authed, instancePath, request } from "../api.ts";

type AgentConfigView = { config: unknown; agent_version: string | null };

/** `GET /api/cloud/instance/:id/config`: what the agent said its config is when it connected, secrets redacted by the agent. */
const getConfig = (id: string) => authed(() => request<AgentConfigView>("GET", instancePath(id, "config")));

/**
 * The agent's config.yaml as the agent reported it when it last connected (secrets already
 * redacted), read when the tab is opened and again when the agent reconnects (a restart
 * after an edit brings the new config), never polled.
 */
export function ConfigPanel({ instance, onExpired }: { instance: Instance; onExpired: () => void }) {
  const [view, setView] = useState<AgentConfigView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setError(null);
    getConfig(instance.id).then(
      (v) => current && setView(v),
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) return onExpired();
        if (current) setError(`Could not read the config: ${e instanceof Error ? e.message : "something went wrong."}`);
      },
    );
    return () => void (current = false);
    // A new connection (status back to online, another agent version) may carry another config.
  }, [instance.id, instance.status, instance.agent_version]);

  return (
    <section class="stack" aria-labelledby="config-title">
      <h2 id="config-title">Config</h2>
      {error && (
        <Alert>
          <p>{error}</p>
        </Alert>
      )}
      {!view && !error && <p class="muted">Reading the config…</p>}
      {view && view.config === null && <p class="muted">The agent is not connected, so its config is not known here.</p>}
      {view && view.config !== null && (
        <>
          <p class="hint">
            As the agent reported it when it connected (agent {view.agent_version ?? "of unknown version"}); secrets are redacted by the agent and
            never leave the machine. Edit <code>config.yaml</code> in the agent's home and restart it to change it.
          </p>
          <pre class="config-text" tabIndex={0} aria-label={`${instance.name}'s config`}>
            {JSON.stringify(view.config, null, 2)}
          </pre>
        </>
      )}
    </section>
  );
}
