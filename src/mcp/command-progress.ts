import type { CommandProgressEvent, HubEvent } from "@anchorage/common";
import type { Env } from "../../core/env.ts";
import type { Principal } from "../../core/auth/principal.ts";

export type ProgressWatch = { close(): void };

/**
 * Listens on the caller's own event hub (as the dashboard does, with a token's scopes applied)
 * for the output of a command being run, and hands each piece on: what MCP sends as progress
 * notifications while `run_command` waits for the result.
 */
export async function watchCommandProgress(
  env: Env,
  principal: Principal,
  instanceId: string,
  command: string,
  onOutput: (text: string) => void,
): Promise<ProgressWatch> {
  const headers = new Headers({ upgrade: "websocket", "x-anchorage-user": principal.userId });
  headers.set("x-anchorage-session", principal.kind === "token" ? principal.tokenId : principal.sessionId);
  if (principal.kind === "token") headers.set("x-anchorage-scopes", JSON.stringify(principal.scopes));
  const res = await env.USER_HUB.get(env.USER_HUB.idFromName(principal.userId)).fetch(new Request("https://hub.internal/mcp", { headers }));
  const ws = res.webSocket;
  if (!ws) return { close() {} };
  ws.accept();
  let actionId: string | null = null;
  ws.addEventListener("message", (e) => {
    let event: HubEvent;
    try {
      event = JSON.parse(String(e.data)) as HubEvent;
    } catch {
      return;
    }
    if (event.type !== "cloud:command-progress" || event.instanceId !== instanceId || event.command !== command) return;
    // The first action of this command after we started is ours.
    actionId ??= (event as CommandProgressEvent).actionId;
    if (event.actionId === actionId && event.data) onOutput(event.data);
  });
  return {
    close() {
      try {
        ws.close(1000, "done");
      } catch {
        /* already closed */
      }
    },
  };
}
