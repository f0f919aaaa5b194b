import type { Role } from "@anchorage/common";
import type { UserRow } from "../db/schema.ts";

/** Who is calling, as established by `authenticate`. Later: API tokens and service accounts. */
export type Principal = {
  kind: "user";
  userId: string;
  roles: Role[];
  sessionId: string;
  provider: string;
  /** The access token's id and expiry, so logout can blacklist exactly it. */
  jti: string;
  tokenExp: number;
  via: "bearer" | "cookie";
  user: UserRow;
};

/** A user as permit() sees them outside any request of theirs (to re-check what they may still do after a change). */
export const standingPrincipal = (user: UserRow): Principal => ({
  kind: "user", userId: user.id, roles: user.roles, sessionId: "", provider: "", jti: "", tokenExp: 0, via: "bearer", user,
});
