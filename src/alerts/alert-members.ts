import type { FleetTarget } from "@anchorage/common";
import { AppError } from "../../core/app-error.ts";
import { standingPrincipal } from "../../core/auth/principal.ts";
import type { Db } from "../../core/db/client.ts";
import { findUserById } from "../../core/users/users.ts";
import { resolveTarget } from "../cloud/fleet/fleet-target.ts";

/** A machine an alert watches: its id and name when resolved. */
export type AlertMember = { id: string; name: string };

/**
 * The machines an alert watches now, as its owner may see them now (a tag target follows tags
 * added and removed; a share that ended or a disabled owner drops them): `read:cloud_instance`
 * suffices to watch. A target that no longer matches anything watches nothing.
 */
export async function alertMembers(db: Db, ownerId: string, target: FleetTarget): Promise<AlertMember[]> {
  const row = await findUserById(db, ownerId);
  if (!row) return [];
  const { passwordHash: _, ...user } = row;
  try {
    const { members } = await resolveTarget(db, standingPrincipal(user), target, "read:cloud_instance");
    return members.map((m) => ({ id: m.instance.id, name: m.instance.name }));
  } catch (e) {
    if (e instanceof AppError && e.code === "E-VALIDATION") return [];
    throw e;
  }
}
