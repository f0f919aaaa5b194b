import type { MirrorDirection } from "@anchorage/common";
import type { Db } from "../db/client.ts";
import type { MirrorRow } from "../db/schema.ts";
import { standingPrincipal, type Principal } from "../auth/principal.ts";
import { AppError, notFound } from "../app-error.ts";
import { findUserById } from "../users/users.ts";
import { accessTo, requireInstance, type InstanceAccess } from "../instances/instance-access.ts";
import { findInstance } from "../instances/instance-store.ts";
import { findMirror } from "./mirror-store.ts";
import { excludesGitDir, GIT_DIR_ACTION, touchesGitDir } from "../files/git-dir-writes.ts";

/**
 * Who may touch a mirror: whoever has `sync:` on both its instances, the rule of a sync itself.
 * Someone who cannot see one of them gets 404 for the mirror (its existence says nothing);
 * someone who sees both but lacks `sync:` on one gets 403.
 */
export async function requireMirror(db: Db, p: Principal, id: string, direction: MirrorDirection): Promise<{ row: MirrorRow; source: InstanceAccess; destination: InstanceAccess }> {
  const row = await findMirror(db, id);
  if (!row || row.direction !== direction) throw notFound("mirror");
  const hidden = (e: unknown) => {
    throw e instanceof AppError && e.code === "E-NOT-FOUND" ? notFound("mirror") : e;
  };
  const [source, destination] = await Promise.all([
    requireInstance(db, p, row.sourceInstanceId, "sync:cloud_instance").catch(hidden),
    requireInstance(db, p, row.destinationInstanceId, "sync:cloud_instance").catch(hidden),
  ]);
  return { row, source, destination };
}

/**
 * Whether the mirror's owner may still sync both instances (a share revoked, expired or narrowed,
 * the account disabled, or `command:` lost on a destination whose .git the mirror would write): scheduled checks and automatic syncs act for them and stop when not.
 * Anything that cannot be decided is a no (DESIGN.md, access control failing open).
 */
export async function ownerMaySync(db: Db, row: MirrorRow): Promise<boolean> {
  try {
    const owner = await findUserById(db, row.ownerId);
    if (!owner || owner.disabledAt) return false;
    const p = standingPrincipal(owner);
    for (const id of [row.sourceInstanceId, row.destinationInstanceId]) {
      const instance = await findInstance(db, id);
      if (!instance) return false;
      const { permissions } = await accessTo(db, p, instance);
      if (!permissions.includes("sync:cloud_instance")) return false;
      // A mirror saved with command: may write .git; once its owner lacks command:, it stops (issue 19).
      const writesGitDir = touchesGitDir(row.targetPath) || !excludesGitDir(row.exclude);
      if (id === row.destinationInstanceId && writesGitDir && !permissions.includes(GIT_DIR_ACTION)) return false;
    }
    return true;
  } catch (e) {
    console.error(`mirror ${row.id}: could not decide its owner's access: ${(e as Error).message}`);
    return false;
  }
}
