import { z } from "zod";

/**
 * Every action `permit()` decides. Later capabilities add theirs here
 * (`read:cloud_instance`, `terminal:cloud_instance` …), so REST, sockets, the
 * proxy and MCP all name an action the same way.
 */
export const actionSchema = z.enum([
  "read:account", // one's own profile, sessions
  "update:account", // profile, password, own sessions
  "admin:users", // list, create, update, disable, delete any user
  "admin:sessions", // list and revoke anyone's sessions
  "admin:invites",
  "admin:audit",
]);
export type Action = z.infer<typeof actionSchema>;

/** What an action is on: an account (owned by its user) or the whole deployment. */
export type Resource = { type: "account"; ownerId: string } | { type: "system" };
