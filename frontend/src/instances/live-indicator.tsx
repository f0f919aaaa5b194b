import type { HubState } from "./use-events.ts";

const LABEL: Record<HubState, string> = {
  connecting: "Connecting…",
  live: "Live",
  offline: "Offline — reconnecting…",
};

/** Whether the live updates are flowing; announced politely when that changes. */
export function LiveIndicator({ state }: { state: HubState }) {
  return (
    <p class={`live live-${state}`} role="status">
      <span class="live-dot" aria-hidden="true" />
      {LABEL[state]}
    </p>
  );
}
