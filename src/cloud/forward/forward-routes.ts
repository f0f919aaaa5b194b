import { forwardNameSchema } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { assertSocketOrigin } from "../../http/csrf.ts";
import { authenticate } from "../../auth/authenticate.ts";
import { clientIp } from "../../http/client-ip.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import type { ForwardRequest } from "../../../core/rpc/forward-request.ts";

export const forwardRoutes = newRouter();

/**
 * `GET /api/cloud/instance/:id/forward/:name`: a WebSocket carrying one TCP connection to the
 * forward `name` of the instance's agent config (docs/proxy.md, "TCP forwarding"). Permission
 * `proxy:` through permit(); a name the config does not list is a 404 from the instance's object.
 */
forwardRoutes.get("/instance/:id/forward/:name", async (c) => {
  // Without an upgrade the same checks answer (a client whose upgrade was refused asks why this way).
  const upgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
  const principal = await authenticate(c);
  assertSocketOrigin(c.req.raw, principal.via, c.get("config"));
  c.set("principal", principal);
  const name = forwardNameSchema.safeParse(c.req.param("name"));
  if (!name.success) throw new AppError("E-VALIDATION", "bad forward name", { fields: [{ path: "name", message: name.error.issues[0]?.message ?? "invalid" }] });
  const db = c.get("db");
  const { instance } = await requireInstance(db, principal, c.req.param("id"), "proxy:cloud_instance");
  const forward: ForwardRequest = { instanceId: instance.id, userId: principal.userId, name: name.data };
  const headers = new Headers({ ...(upgrade ? { upgrade: "websocket" } : {}), "x-anchorage-forward": JSON.stringify(forward) });
  const response = await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id)).fetch(new Request(c.req.url, { headers }));
  // The object's refusal, copied so the app's middleware may add its headers.
  if (response.status !== 101) return new Response(response.body, response);
  await recordAudit(db, { actorId: principal.userId, action: "cloud.forward_opened", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { name: name.data, ...actorDetail(principal) } }, eventSink(c));
  return response;
});
