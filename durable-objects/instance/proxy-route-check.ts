import { sameRoute, type ProxyRoute } from "../../core/instances/proxy-route.ts";
import { STALE_ROUTE_HEADER } from "../../core/rpc/proxy-exchange.ts";

/** Where an object keeps the route it last heard of (undefined: never heard). */
export type RouteStore = {
  get(): Promise<ProxyRoute | null | undefined>;
  put(route: ProxyRoute | null): Promise<void>;
};

/**
 * The instance's proxy route as the object serving its requests knows it, and the check of each
 * request against it. The Worker decides on a copy (isolate or location cache) and says which
 * route it decided on; a request decided on another route is refused as stale, and the Worker
 * looks again in D1 (src/cloud/proxy/proxy-route.ts). Before refusing, the object asks its source
 * (D1 for the InstanceDO, the InstanceDO for a relay object): a held route older than the Worker's
 * copy heals here instead of refusing good requests.
 */
export class HeldRoute {
  constructor(
    private readonly store: RouteStore,
    /** The instance's route as it is now, from this object's source. */
    private readonly fresh: (instanceId: string) => Promise<ProxyRoute | null>,
  ) {}

  /** True when `decidedOn` is the route of `instanceId` as it stands. */
  async agrees(instanceId: string, decidedOn: ProxyRoute | undefined): Promise<boolean> {
    if (!decidedOn) return false;
    const held = await this.store.get();
    if (held !== undefined && sameRoute(held, decidedOn)) return true;
    const now = await this.fresh(instanceId);
    await this.store.put(now);
    return sameRoute(now, decidedOn);
  }

  /** The route changed (a hello, a pause, a rename): hold what the source says now. */
  async refresh(instanceId: string): Promise<ProxyRoute | null> {
    const now = await this.fresh(instanceId);
    await this.store.put(now);
    return now;
  }

  set(route: ProxyRoute | null): Promise<void> {
    return this.store.put(route);
  }
}

/**
 * The answer to a request decided on a route that no longer holds: only the Worker reads it, by
 * the exchange id it chose (an app's own response can never carry that), and looks again.
 */
export function staleRoute(exchangeId: string): Response {
  return Response.json({ error: { code: "E-CONFLICT", message: "the proxy's route changed; look it up again" } }, { status: 409, headers: { [STALE_ROUTE_HEADER]: exchangeId } });
}
