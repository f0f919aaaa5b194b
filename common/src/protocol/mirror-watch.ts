import { z } from "zod";

/**
 * Mirror watching over the agent's socket (issue #7): the InstanceDO tells the agent which of its
 * folders are the source of a mirror (on every connect and whenever its mirrors change), and the
 * agent says when something under one of them changed, so the mirror is marked `needs_sync`
 * within seconds instead of at its next scheduled check. No imports from files.ts: messages.ts
 * imports this module, and files.ts imports messages.ts.
 */

/** Debounce on the agent: a burst of writes (a build, a checkout) is reported once it has been quiet this long. */
export const MIRROR_WATCH_QUIET_MS = 1_000;
/** At most this many watched folders per agent (each is one recursive fs.watch). */
export const MAX_MIRROR_WATCHES = 200;

export const mirrorWatchSchema = z.object({
  /** The mirror's id, reported back when its folder changes. */
  id: z.string().max(64),
  /** The mirror's source folder, absolute; the agent confines it to its roots itself. */
  path: z.string().min(1).max(4096),
  /** The mirror's exclusions (a change only there is not reported); the agent's `sync.exclude` applies too. */
  exclude: z.array(z.string().max(300)).max(200),
});
export type MirrorWatch = z.infer<typeof mirrorWatchSchema>;

/** DO → agent: the complete list (it replaces the previous one; empty stops all watching). */
export const mirrorWatchListSchema = z.object({ type: z.literal("mirror-watch"), watches: z.array(mirrorWatchSchema).max(MAX_MIRROR_WATCHES) });

/** Agent → DO: something changed under these mirrors' folders. */
export const mirrorChangedSchema = z.object({ type: z.literal("mirror-changed"), ids: z.array(z.string().max(64)).min(1).max(MAX_MIRROR_WATCHES) });
