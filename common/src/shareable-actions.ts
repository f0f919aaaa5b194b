// No zod here: the dashboard imports this module without shipping zod. It imports nothing (that
// each of these is an Action is checked in permissions.ts), so the two make no circle.

/** What a share can grant: everything on an instance except managing it. */
export const shareableActions = [
  "read:cloud_instance",
  "command:cloud_instance",
  "terminal:cloud_instance",
  "git:cloud_instance",
  "sync:cloud_instance",
  "proxy:cloud_instance",
] as const;
export type ShareableAction = (typeof shareableActions)[number];
