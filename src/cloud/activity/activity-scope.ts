import type { Db } from "../../../core/db/client.ts";
import type { Principal } from "../../../core/auth/principal.ts";
import { notFound } from "../../../core/app-error.ts";
import type { InstanceAccess } from "../../../core/instances/instance-access.ts";
import { visibleInstances } from "../instances/visible-instances.ts";

/**
 * What the Activity list may show a caller, from the same visibility every instance route uses:
 *
 * - on an instance they own (or any, for an admin): everything recorded about it;
 * - on an instance shared with them: its commands (as `GET …/instance/:id/actions` already shows
 *   any reader), and of the audit log only what they did themselves; another sharee's git writes,
 *   file changes or terminals are the owner's to see, not theirs.
 *
 * An instance the caller cannot see contributes nothing; naming one in `instance=` is a 404, as if
 * it did not exist, like every instance route.
 */
export type ActivityScope = {
  /** Visible instances by id. */
  instances: Map<string, InstanceAccess>;
  /** Instances whose every audit entry the caller may read. */
  full: string[];
  /** Instances shared with the caller: their own audit entries only. */
  own: string[];
};

export async function activityScope(db: Db, principal: Principal, only?: string): Promise<ActivityScope> {
  let visible = await visibleInstances(db, principal);
  if (only !== undefined) {
    visible = visible.filter((a) => a.instance.id === only);
    if (visible.length === 0) throw notFound("instance");
  }
  return {
    instances: new Map(visible.map((a) => [a.instance.id, a])),
    full: visible.filter((a) => a.relation !== "shared").map((a) => a.instance.id),
    own: visible.filter((a) => a.relation === "shared").map((a) => a.instance.id),
  };
}
