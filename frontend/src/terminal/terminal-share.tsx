import type { TerminalParticipant } from "@anchorage/common";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { ApiError, authed, instancePath, request } from "../api.ts";

/** Invites someone into a terminal session (src/cloud/terminal/participant-routes.ts). */
const inviteToSession = (instanceId: string, sessionId: string, email: string, mode: "watch" | "drive") =>
  authed(() => request<{ participants: unknown[] }>("POST", instancePath(instanceId, `terminal/sessions/${encodeURIComponent(sessionId)}/participants`), { email, mode }));

/** Who is in a shared session, in words: "Ada (you) · Ben watching · Cy driving". */
export function participantWords(list: readonly TerminalParticipant[]): string {
  return list.map((p) => (p.mode === "owner" ? p.name : `${p.name} ${p.mode === "watch" ? "watching" : "driving"}`)).join(" · ");
}

/**
 * The terminal's Share button: invite someone by email to watch this session or to drive it with
 * you; they need terminal access to the instance (a share) to join, and hear the invite live.
 */
export function TerminalShare({ instanceId, sessionId, label }: { instanceId: string; sessionId: string | null; label: string }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; bad: boolean } | null>(null);
  const formId = `share-${label.replace(/\s+/g, "-").toLowerCase()}`;

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!sessionId) return;
    const data = new FormData(e.currentTarget);
    const email = String(data.get("email") ?? "").trim();
    const mode = data.get("mode") === "drive" ? "drive" : "watch";
    setBusy(true);
    setMessage(null);
    try {
      await inviteToSession(instanceId, sessionId, email, mode);
      setMessage({ text: `Invited ${email} to ${mode === "watch" ? "watch" : "drive"}. They join from their Terminal page.`, bad: false });
    } catch (err) {
      setMessage({ text: err instanceof ApiError ? err.message : "Could not invite them.", bad: true });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" aria-expanded={open} aria-controls={formId} disabled={!sessionId} onClick={() => setOpen(!open)}>
        Share<span class="visually-hidden"> {label}</span>
      </button>
      {open && (
        <form id={formId} class="inline-form" onSubmit={submit} aria-label={`Share ${label}`}>
          <div class="field">
            <label for={`${formId}-email`}>Their email</label>
            <input id={`${formId}-email`} name="email" type="email" required maxLength={254} autocomplete="off" />
          </div>
          <div class="field">
            <label for={`${formId}-mode`}>They may</label>
            <select id={`${formId}-mode`} name="mode">
              <option value="watch">Watch</option>
              <option value="drive">Type too (drive)</option>
            </select>
          </div>
          <button type="submit" disabled={busy}>
            {busy ? "Inviting…" : "Invite"}
          </button>
          {message && (
            <p class={message.bad ? "field-error" : "hint"} role="status">
              {message.text}
            </p>
          )}
        </form>
      )}
    </>
  );
}
