import type { HubEvent } from "@anchorage/common";

/**
 * What a UserHubDO (one per user: their dashboard sockets) answers over RPC, besides `fetch`:
 * the dashboard's event socket upgrade, with the user and session in `x-anchorage-user` and
 * `x-anchorage-session` (and a token's scopes in `x-anchorage-scopes`).
 */
export interface UserHubRpc extends Rpc.DurableObjectBranded {
  /** Sends the event to every socket of this user that may hear it; `instanceOwnerId` is whose instance it is about. */
  publish(event: HubEvent, instanceOwnerId: string): Promise<number>;
  /** Closes the sockets of sessions that have ended: one session, or all of them but `keep`. */
  closeSessions(which: { sessionId: string } | { allBut: string | null }, reason?: string): Promise<number>;
  connections(): Promise<number>;
}
