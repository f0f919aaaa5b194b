import { describe, expect, it } from "vitest";
import { canToggleProxy, eventChangesProxies, proxyLinks, proxyState, reasonProblem, toggleBody, type Proxy } from "../../../frontend/src/proxies/proxy-view.ts";

const proxy = (over: Partial<Proxy> = {}): Proxy => ({
  instance_id: "ins_1",
  instance_name: "build-box",
  slug: "web-app",
  path_url: "http://localhost:8787/p/web-app/",
  host_url: "http://web-app.localhost:8787/",
  access: "users",
  target: "http://127.0.0.1:3000",
  inactive: false,
  reason: null,
  ...over,
});

describe("proxy addresses", () => {
  it("gives only the host form wherever there is a proxy domain: the app works there as if direct", () => {
    expect(proxyLinks(proxy(), "http://127.0.0.1:8787")).toEqual([{ form: "host", label: "By its own host", url: "http://web-app.localhost:8787/" }]);
  });

  it("without a proxy domain, gives the path form on the page's own origin, where the session cookie is", () => {
    expect(proxyLinks(proxy({ host_url: null }), "http://127.0.0.1:8787")).toEqual([{ form: "path", label: "By path", url: "http://127.0.0.1:8787/p/web-app/" }]);
    expect(proxyLinks(proxy({ host_url: null }), "https://anchorage.example.com").map((l) => l.url)).toEqual(["https://anchorage.example.com/p/web-app/"]);
  });

  it("shows an address it cannot read as the server sent it", () => {
    expect(proxyLinks(proxy({ path_url: "not a url", host_url: null }), "http://localhost:8787")[0]!.url).toBe("not a url");
  });
});

describe("proxy state", () => {
  it("says paused, with the reason visitors get, before anything else", () => {
    expect(proxyState(proxy({ inactive: true, reason: "maintenance" }), "offline")).toEqual({ label: "Paused", tone: "bad", detail: "Visitors get 503: maintenance" });
    expect(proxyState(proxy({ inactive: true }), "online").detail).toBe("Visitors get 503.");
  });

  it("says when the instance is offline, and live when it is online", () => {
    expect(proxyState(proxy(), "offline").label).toBe("Instance offline");
    expect(proxyState(proxy(), "online")).toEqual({ label: "Live", tone: "ok", detail: null });
    expect(proxyState(proxy(), undefined).label).toBe("Active");
  });
});

describe("pausing", () => {
  it("is offered only to those who manage the instance", () => {
    expect(canToggleProxy(["read:cloud_instance", "proxy:cloud_instance", "manage:cloud_instance"])).toBe(true);
    expect(canToggleProxy(["read:cloud_instance", "proxy:cloud_instance", "command:cloud_instance"])).toBe(false);
    expect(canToggleProxy(undefined)).toBe(false);
  });

  it("sends a trimmed reason, none when blank, and never one when resuming", () => {
    expect(toggleBody(true, "  down for maintenance ")).toEqual({ inactive: true, reason: "down for maintenance" });
    expect(toggleBody(true, "   ")).toEqual({ inactive: true });
    expect(toggleBody(false, "left over")).toEqual({ inactive: false });
  });

  it("refuses a reason over the server's 200 characters, counting it trimmed", () => {
    expect(reasonProblem(`  ${"x".repeat(200)}  `)).toBeNull();
    expect(reasonProblem("x".repeat(201))).toMatch(/At most 200 characters \(this one has 201\)/);
  });
});

describe("which live events fetch the proxies again", () => {
  const known = new Set(["ins_1"]);
  it("not a heartbeat, which comes every few seconds with stats", () => {
    expect(eventChangesProxies({ type: "cloud:instance-update", instanceId: "ins_1", status: "online", stats: { cpu: 1 } }, known)).toBe(false);
  });
  it("an agent connecting (no stats: its hello may bring a new proxy config) or going offline", () => {
    expect(eventChangesProxies({ type: "cloud:instance-update", instanceId: "ins_1", status: "online" }, known)).toBe(true);
    expect(eventChangesProxies({ type: "cloud:instance-update", instanceId: "ins_1", status: "offline" }, known)).toBe(true);
  });
  it("an instance not seen yet, and nothing but instance updates", () => {
    expect(eventChangesProxies({ type: "cloud:instance-update", instanceId: "ins_new", status: "online", stats: {} }, known)).toBe(true);
    expect(eventChangesProxies({ type: "cloud:log-lines", instanceId: "ins_1" }, known)).toBe(false);
  });
});
