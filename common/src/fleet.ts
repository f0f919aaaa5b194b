import { z } from "zod";

/** One tag on an instance: what runs, schedules, alerts and the Instances filter target. */
export const tagSchema = z.string().regex(/^[a-z0-9-]{1,32}$/, "lowercase letters, digits and hyphens (1 to 32)");

export const MAX_TAGS = 20;

/** An instance's tags: at most 20, each once (order kept as given). */
export const tagsSchema = z
  .array(tagSchema)
  .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .superRefine((tags, ctx) => {
    const seen = new Set<string>();
    tags.forEach((t, i) => {
      if (seen.has(t)) ctx.addIssue({ code: "custom", path: [i], message: `"${t}" is listed twice` });
      seen.add(t);
    });
  });

/** `PATCH /api/cloud/instances/:id`: the owner's tags (the agent config's own `tags:` are kept beside them). */
export const instancePatchSchema = z.strictObject({ tags: tagsSchema });

/** At most this many instances in one target (a run, a schedule, an alert). */
export const MAX_TARGET_INSTANCES = 1000;

/** Which instances a run, a schedule or an alert covers: every visible instance with a tag, or a list. */
export const fleetTargetSchema = z.union([
  z.strictObject({ tag: tagSchema }),
  z.strictObject({ instanceIds: z.array(z.string().min(1).max(64)).min(1, "name at least one instance").max(MAX_TARGET_INSTANCES) }),
]);
export type FleetTarget = z.infer<typeof fleetTargetSchema>;
