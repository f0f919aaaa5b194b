import { DurableObject } from "cloudflare:workers";

/**
 * One per anchored instance (name = instance id). It will own the agent's
 * WebSocket and relay proxy, terminal and RPC streams; anchoring is not built yet
 * (see README, "What is not built yet"), so every request is answered as offline.
 */
export class InstanceDO extends DurableObject {
  override async fetch(): Promise<Response> {
    return Response.json(
      { error: { code: "E-INSTANCE-OFFLINE", message: "no agent is connected to this instance" } },
      { status: 503 },
    );
  }
}
