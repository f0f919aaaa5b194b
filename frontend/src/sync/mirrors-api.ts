import type { Mirror, MirrorChecked, MirrorDirection, MirrorSaveRequest } from "@anchorage/common";
import { authed, request } from "../api.ts";
import { mirrorBase } from "./mirror-view.ts";

/** Push mirrors (`/api/cloud/mirrors/*`) and pull mirrors (`/api/cloud/pulls/*`): list, save, check, sync, delete. */

/** Both directions, oldest first within each. */
export async function listMirrors(): Promise<Mirror[]> {
  const [push, pull] = await Promise.all(
    (["push", "pull"] as const).map((d) => authed(() => request<{ mirrors: Mirror[] }>("GET", `${mirrorBase(d)}/list`)).then((r) => r.mirrors)),
  );
  return [...push!, ...pull!];
}

export const saveMirror = (direction: MirrorDirection, body: MirrorSaveRequest) =>
  authed(() => request<{ success: true; mirror: Mirror }>("POST", `${mirrorBase(direction)}/save`, body)).then((r) => r.mirror);

export const checkMirror = (m: Mirror) => authed(() => request<MirrorChecked>("POST", `${mirrorBase(m.direction)}/check`, { id: m.id }));

export const syncMirror = (m: Mirror) =>
  authed(() => request<{ success: true; operationId: string; mirror: Mirror }>("POST", `${mirrorBase(m.direction)}/sync`, { id: m.id }));

export const deleteMirror = (m: Mirror) => authed(() => request<{ success: true; id: string }>("POST", `${mirrorBase(m.direction)}/delete`, { id: m.id }));
