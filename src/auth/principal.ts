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
