import type { DataScope } from "@anchorage/common";
import { permit } from "../../core/auth/permit.ts";
import type { Principal } from "../../core/auth/principal.ts";
import { AppError, forbidden, notFound, unauthenticated } from "../../core/app-error.ts";

/**
 * Who may read and write a user's data. Public values are anyone's to read, signed in or not;
 * every other decision is permit()'s (the owner, admins, and tokens whose scopes cover
 * `storage.<owner>.data[.<scope>]`). Refused on someone else's private or module data is a 404,
 * like a missing key, so neither keys nor their existence leak; refused on one's own (a token
 * without the scope) or on someone's public data, which is no secret, is a 403.
 */
export function assertMayRead(principal: Principal | null, ownerId: string, scope: DataScope): void {
  if (scope === "public") return;
  if (!principal) throw unauthenticated();
  if (permit(principal, "read:data", { type: "data", ownerId, scope })) return;
  throw refusal(principal, ownerId, scope, "read");
}

export function assertMayWrite(principal: Principal, ownerId: string, scope: DataScope): void {
  if (permit(principal, "write:data", { type: "data", ownerId, scope })) return;
  throw refusal(principal, ownerId, scope, "write");
}

function refusal(principal: Principal, ownerId: string, scope: DataScope, verb: "read" | "write"): AppError {
  if (principal.userId !== ownerId && scope !== "public") return notFound("value");
  const why = principal.kind === "token" ? `: the token's scopes do not cover storage.${ownerId}.data.${scope} (${verb})` : "";
  return forbidden(`not allowed to ${verb} ${scope} data${why}`);
}

/** Whose data a request is about: `?owner=`, else the caller's own. */
export function ownerOf(principal: Principal | null, owner: string | undefined): string {
  const id = owner ?? principal?.userId;
  if (id === undefined) {
    throw new AppError("E-VALIDATION", "owner is required when not signed in", { fields: [{ path: "owner", message: "required when not signed in" }] });
  }
  return id;
}
