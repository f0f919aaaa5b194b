import type { Health } from "./api.ts";

/** What is running: the /healthz answer, and where the API is documented. */
export function Status({ health, error }: { health: Health | null; error: string | null }) {
  return (
    <header class="status">
      <h1>{error ? "Anchorage: health check failed" : "Anchorage is running"}</h1>
      <p class="status-line">
        {error ? (
          <span class="bad">{error}</span>
        ) : health ? (
          <>
            Status <strong class={health.status === "ok" ? "ok" : "bad"}>{health.status}</strong> · Version{" "}
            <strong>{health.version}</strong>
          </>
        ) : (
          "Checking status…"
        )}
      </p>
      <nav aria-label="API">
        <a href="/docs">API docs</a>
        <a href="/openapi.json">OpenAPI spec (/openapi.json)</a>
      </nav>
    </header>
  );
}
