import { describeCondition, type AlertHistoryEntry, type AlertView } from "@anchorage/common/alerts";
import type { Tone } from "../tone.ts";

/** The alert's state as a badge: firing is bad, pending (a grace running) neutral. */
export const alertState = (s: AlertView["state"] | "ok" | "pending" | "firing"): { label: string; tone: Tone } =>
  ({ ok: { label: "ok", tone: "ok" as Tone }, pending: { label: "pending", tone: "neutral" as Tone }, firing: { label: "firing", tone: "bad" as Tone }, disabled: { label: "disabled", tone: "neutral" as Tone } })[s];

export const conditionWords = (a: Pick<AlertView, "condition">) => describeCondition(a.condition);

export const targetWords = (a: Pick<AlertView, "target">) => ("tag" in a.target ? `machines tagged ${a.target.tag}` : `${a.target.instanceIds.length} machine${a.target.instanceIds.length === 1 ? "" : "s"}`);

export const channelWords = (a: Pick<AlertView, "channels">) => a.channels.map((c) => ("to" in c ? `email to ${c.to}` : `${c.type} ${new URL(c.url).host}`)).join(", ");

/** "firing on 1 of 3 machines" */
export function firingWords(a: AlertView): string {
  const firing = a.instances.filter((i) => i.state === "firing").length;
  return `firing on ${firing} of ${a.instances.length} machine${a.instances.length === 1 ? "" : "s"}`;
}

export const historyKind = (k: AlertHistoryEntry["kind"]): { label: string; tone: Tone } =>
  ({ firing: { label: "firing", tone: "bad" as Tone }, resolved: { label: "resolved", tone: "ok" as Tone }, delivered: { label: "sent", tone: "ok" as Tone }, failed: { label: "failed, will retry", tone: "bad" as Tone }, "gave-up": { label: "gave up", tone: "bad" as Tone } })[k];
