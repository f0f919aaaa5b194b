import type { RunMemberState } from "@anchorage/common";
import type { Tone } from "../tone.ts";

/** Words for a member's state in a run, and the look each gets. */
export const memberState = (s: RunMemberState | "done" | "skipped"): { label: string; tone: Tone } =>
  ({
    queued: { label: "Queued", tone: "neutral" as Tone },
    running: { label: "Running", tone: "neutral" as Tone },
    success: { label: "Succeeded", tone: "ok" as Tone },
    error: { label: "Failed", tone: "bad" as Tone },
    offline: { label: "Offline", tone: "bad" as Tone },
    timeout: { label: "Timed out", tone: "bad" as Tone },
    done: { label: "Done", tone: "neutral" as Tone },
    skipped: { label: "Skipped", tone: "neutral" as Tone },
  })[s];
