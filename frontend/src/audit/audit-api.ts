import { authed, request } from "../api.ts";
import type { AuditPage } from "./audit-words.ts";

/** `GET /api/audit` (your own log) and `GET /admin/audit` (everyone's, admins only); `query` from auditQuery. */
export const getAuditPage = (scope: "own" | "all", query: string) =>
  authed(() => request<AuditPage>("GET", `${scope === "own" ? "/api/audit" : "/admin/audit"}${query}`));
