import type { TerminalSession } from "@anchorage/common";
import type { Tone } from "../tone.ts";

/** A terminal session's end and who ran it, in words (end reasons: common/src/protocol/terminal.ts). */

export function sessionEnd(s: Pick<TerminalSession, "ended_at" | "end_reason" | "exit_code">): { label: string; tone: Tone; detail: string } {
  if (!s.ended_at) return { label: "Running", tone: "ok", detail: "Still open (or detached, waiting to be reattached)." };
  switch (s.end_reason) {
    case "exit":
      return s.exit_code === null
        ? { label: "Exited", tone: "neutral", detail: "The shell ended without an exit code (killed by a signal)." }
        : { label: `Exited ${s.exit_code}`, tone: s.exit_code === 0 ? "neutral" : "bad", detail: `The shell exited with code ${s.exit_code}.` };
    case "closed":
      return { label: "Closed", tone: "neutral", detail: "Closed from the dashboard." };
    case "idle":
      return { label: "Idle", tone: "neutral", detail: "Ended after too long without input or output." };
    case "max-lifetime":
      return { label: "Time limit", tone: "neutral", detail: "Ended at its maximum lifetime." };
    case "detached":
      return { label: "Not reattached", tone: "neutral", detail: "Nobody came back to it within the grace period." };
    case "lost":
      return { label: "Lost", tone: "bad", detail: "The agent restarted, and the shell with it." };
    default:
      return { label: "Ended", tone: "neutral", detail: s.end_reason ? `Ended: ${s.end_reason}.` : "Ended." };
  }
}

/** "You", the person's email when known, or their id. */
export function sessionUser(userId: string, me: string | null, names: ReadonlyMap<string, string>): string {
  if (userId === me) return "You";
  return names.get(userId) ?? userId;
}

/** Whether the recording can be fetched: the server keeps them for the instance's owner and admins. */
export const canFetchRecording = (s: Pick<TerminalSession, "recorded" | "recording_bytes">, mayManage: boolean) => mayManage && s.recorded && s.recording_bytes > 0;

/** The file name a downloaded recording gets. */
export const recordingFileName = (s: Pick<TerminalSession, "id">) => `${s.id}.cast`;
