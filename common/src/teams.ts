import { z } from "zod";
import { emailSchema } from "./auth.ts";

/** A member's role in a team: owners and admins manage members, owners alone make owners. */
export const teamRoleSchema = z.enum(["owner", "admin", "member"]);
export type TeamRole = z.infer<typeof teamRoleSchema>;

export const teamCreateRequestSchema = z.strictObject({ name: z.string().trim().min(1).max(80) });

export const teamMemberAddRequestSchema = z.strictObject({ email: emailSchema, role: teamRoleSchema.default("member") });

export const teamMemberSchema = z.object({ user_id: z.string(), email: z.string(), name: z.string(), role: teamRoleSchema, added_at: z.string() });

/** A team as one of its members sees it: its members, and the caller's own role. */
export const teamSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: teamRoleSchema,
  created_at: z.string(),
  members: z.array(teamMemberSchema),
});
export type Team = z.infer<typeof teamSchema>;
