import type { Action } from "./permissions.ts";

// No zod here: the dashboard imports this module without shipping zod.

/** What a share can grant: everything on an instance except managing it. */
export const shareableActions = [
  "read:cloud_instance",
  "command:cloud_instance",
  "terminal:cloud_instance",
  "git:cloud_instance",
  "sync:cloud_instance",
  "proxy:cloud_instance",
] as const satisfies readonly Action[];
export type ShareableAction = (typeof shareableActions)[number];
