import type { TerminalSession } from "@anchorage/common";
import { ApiError, authed, instancePath, request } from "../api.ts";

/** Terminal sessions of an instance and their recordings (src/cloud/terminal/terminal-routes.ts). */

export const listTerminalSessions = (instanceId: string) =>
  authed(() => request<{ sessions: TerminalSession[] }>("GET", instancePath(instanceId, "terminals"))).then((r) => r.sessions);

export const recordingPath = (sessionId: string) => `/api/cloud/terminals/${encodeURIComponent(sessionId)}/recording`;

/** A recording's text (asciicast v2); refusals become ApiErrors like every other call. */
export const fetchRecording = (sessionId: string) =>
  authed(async () => {
    let res: Response;
    try {
      res = await fetch(recordingPath(sessionId), { credentials: "same-origin" });
    } catch {
      throw new ApiError(0, "E-NETWORK", "Could not reach the server. Check your connection and try again.");
    }
    if (res.ok) return res.text();
    const err = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? "E-UNKNOWN", err?.message ?? `Request failed (HTTP ${res.status})`);
  });
