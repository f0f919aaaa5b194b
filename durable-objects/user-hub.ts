import { DurableObject } from "cloudflare:workers";

/**
 * One per user: will hold the dashboard's sockets and fan out live events.
 * The event stream is not built yet (see README, "What is not built yet").
 */
export class UserHubDO extends DurableObject {
  override async fetch(): Promise<Response> {
    return Response.json({ error: { code: "E-NOT-IMPLEMENTED", message: "live events are not built yet" } }, { status: 501 });
  }
}
