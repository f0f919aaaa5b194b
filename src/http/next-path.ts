import { safeNext } from "@anchorage/common/safe-next";
import { AppError } from "../../core/app-error.ts";

/**
 * A `next` parameter as a path on `origin`: absent is `/`; one that would leave the origin (or
 * put a control character in a Location header) is a 400, found before anything is spent or
 * written. The one check behind every redirect the Worker builds from a caller's `next`.
 */
export function nextPathOn(raw: string | null | undefined, origin: string): string {
  if (raw === null || raw === undefined || raw === "") return "/";
  const next = safeNext(raw, origin);
  if (next === null) throw new AppError("E-VALIDATION", "next must be a path on this site", { fields: [{ path: "next", message: "not a path on this site" }] });
  return next;
}
