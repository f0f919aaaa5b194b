import type { HubEvent } from "@anchorage/common";
import type { Env } from "../env.ts";
import { openDb } from "../db/client.ts";
import { instanceAudience } from "../instances/audience.ts";

/** Sends an instance's event to the hub of every user who may see the instance now. */
export async function publishToAudience(env: Env, instance: { id: string; ownerId: string }, event: HubEvent): Promise<void> {
  const audience = await instanceAudience(openDb(env.DB), instance);
  await Promise.all(audience.map((userId) => env.USER_HUB.get(env.USER_HUB.idFromName(userId)).publish(event, instance.ownerId)));
}

/** Sends an instance's event to these users' hubs only (a terminal's events: its user and the instance's owner). */
export async function publishToUsers(env: Env, instance: { ownerId: string }, userIds: string[], event: HubEvent): Promise<void> {
  await Promise.all([...new Set(userIds)].map((userId) => env.USER_HUB.get(env.USER_HUB.idFromName(userId)).publish(event, instance.ownerId)));
}
