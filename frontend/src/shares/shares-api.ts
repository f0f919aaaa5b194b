import { authed, request } from "../api.ts";
import type { CreateShareBody, Share, UpdateShareBody } from "./share-draft.ts";

/** `/api/cloud/shares/*`: shares the signed-in person gave and received; create, edit and revoke their own. */

export const listShares = () => authed(() => request<{ given: Share[]; received: Share[] }>("GET", "/api/cloud/shares/list"));

export const saveShare = (body: CreateShareBody | UpdateShareBody) => authed(() => request<Share>("POST", "/api/cloud/shares/save", body));

export const revokeShare = (id: string) => authed(() => request<{ success: true }>("POST", "/api/cloud/shares/delete", { id }));
