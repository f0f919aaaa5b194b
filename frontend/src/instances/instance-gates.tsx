import type { Action, Instance } from "@anchorage/common";
import type { ComponentChildren } from "preact";

/**
 * What a tab shows instead of itself when it cannot work: the person lacks the permission, or
 * the agent it needs is offline. Neither makes a request that is known to fail (no 403s or 503s
 * in the console); the tab appears by itself when the agent reconnects.
 */
export function Gate({ instance, action, needsAgent, what, children }: { instance: Instance; action?: Action; needsAgent?: boolean; what: string; children: ComponentChildren }) {
  if (action && !instance.permissions.includes(action))
    return <p class="muted gate">The owner of {instance.name} has not given you permission to {what}.</p>;
  if (needsAgent && instance.status !== "online")
    return (
      <p class="muted gate" role="status">
        {instance.name} is offline, so you cannot {what} right now. This appears by itself when its agent reconnects.
      </p>
    );
  return <>{children}</>;
}
