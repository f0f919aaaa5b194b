import type { Instance } from "@anchorage/common";
import type { ActionRecord } from "../api.ts";
import type { Tone } from "../tone.ts";

/** Words for the states the API reports, and the look (tone) each gets. */

export type { Tone };

export const relationLabel: Record<Instance["relation"], string> = {
  owner: "Yours",
  shared: "Shared with me",
  admin: "Admin access",
};

export const instanceStatus = (status: Instance["status"]): { label: string; tone: Tone } =>
  status === "online" ? { label: "Online", tone: "ok" } : { label: "Offline", tone: "bad" };

export function actionStatus(status: ActionRecord["status"] | string): { label: string; tone: Tone } {
  switch (status) {
    case "success":
      return { label: "Succeeded", tone: "ok" };
    case "error":
      return { label: "Failed", tone: "bad" };
    case "running":
      return { label: "Running", tone: "neutral" };
    case "pending":
      return { label: "Pending", tone: "neutral" };
    default:
      return { label: status, tone: "neutral" };
  }
}

/** A state shown as words in a coloured pill (the words carry the meaning, not the colour). */
export function StateBadge({ label, tone }: { label: string; tone: Tone }) {
  return <span class={`state state-${tone}`}>{label}</span>;
}
