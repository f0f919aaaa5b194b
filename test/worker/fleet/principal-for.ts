import { standingPrincipal, type SessionPrincipal } from "../../../core/auth/principal.ts";
import { openDb } from "../../../core/db/client.ts";
import { findUserById } from "../../../core/users/users.ts";
import { testEnv, type Session } from "../helpers.ts";

/** The principal of a registered test user as permit() sees them outside a request. */
export async function principalFor(s: Session): Promise<SessionPrincipal> {
  const { passwordHash: _, ...user } = (await findUserById(openDb(testEnv.DB), s.userId))!;
  return standingPrincipal(user);
}
