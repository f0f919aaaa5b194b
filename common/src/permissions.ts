import { z } from "zod";
import { shareableActions } from "./shareable-actions.ts";

export * from "./shareable-actions.ts";

/**
 * Every action `permit()` decides. REST, sockets, the proxy and MCP all name an
 * action the same way.
 */
export const actionSchema = z.enum([
  "read:account", // one's own profile, sessions
  "update:account", // profile, password, own sessions
  "admin:users", // list, create, update, disable, delete any user
  "admin:sessions", // list and revoke anyone's sessions
  "admin:invites",
  "admin:audit",
  // On an anchored instance:
  "read:cloud_instance", // see it, its status, health, info, logs, config
  "command:cloud_instance", // run its allowed commands
  "terminal:cloud_instance",
  "git:cloud_instance",
  "sync:cloud_instance",
  "proxy:cloud_instance",
  "manage:cloud_instance", // rename, disconnect, delete, share: the owner's (and admins') alone
  // On a user's own things (resource: their account):
  "anchor:cloud_instance", // get a token that anchors a new instance for them
  "read:cloud_shares",
  "write:cloud_shares",
  // A user's data store (resource: data) and registry repositories (resource: registry):
  "read:data",
  "write:data",
  "pull:registry",
  "push:registry",
]);
export type Action = z.infer<typeof actionSchema>;

// Every shareable action must be an action (a compile-time check).
shareableActions satisfies readonly Action[];
export const shareableActionSchema = z.enum(shareableActions);

/** A share as permit() sees it. */
export type ShareGrant = {
  instanceId: string | null; // null: all of the owner's instances
  permissions: readonly string[];
  enabled: boolean;
  expiresAt: string | null;
};

/** What an action is on: an account (owned by its user), an instance, or the whole deployment. */
export type Resource =
  | { type: "account"; ownerId: string }
  | { type: "instance"; instanceId: string; ownerId: string; grants: readonly ShareGrant[] }
  | { type: "data"; ownerId: string; scope: string }
  | { type: "registry"; ownerId: string; repository: string }
  | { type: "system" };
