import { describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common/agent-config";
import { appHostAndOrigin, appPath } from "../../../agent/src/proxy/app-host-origin.ts";

const proxy = (extra: Record<string, unknown> = {}) => agentConfigSchema.parse({ name: "box", proxy: { slug: "nb", target: "http://127.0.0.1:8888", ...extra } }).proxy!;
/** What the Worker forwards for a visitor on the host form. */
const visitor = (origin?: string): [string, string][] => [
  ...(origin ? ([["origin", origin]] as [string, string][]) : []),
  ["x-forwarded-proto", "https"],
  ["x-forwarded-host", "nb.apps.example.com"],
];

describe("the Host and Origin the local app gets", () => {
  it("by default: the target's Host, and the app's own page's Origin rewritten to the target's origin, so they match (Jupyter, Tornado)", () => {
    expect(appHostAndOrigin(proxy(), visitor("https://nb.apps.example.com"))).toEqual({ host: "127.0.0.1:8888", origin: "http://127.0.0.1:8888" });
    expect(appHostAndOrigin(proxy(), visitor("HTTPS://NB.apps.example.com"))).toEqual({ host: "127.0.0.1:8888", origin: "http://127.0.0.1:8888" });
  });

  it("passes any other Origin unchanged, so the app's own cross-origin check still refuses another site (and the sandbox's null)", () => {
    expect(appHostAndOrigin(proxy(), visitor("https://evil.example"))).toEqual({ host: "127.0.0.1:8888", origin: "https://evil.example" });
    expect(appHostAndOrigin(proxy(), visitor("http://nb.apps.example.com"))).toEqual({ host: "127.0.0.1:8888", origin: "http://nb.apps.example.com" });
    expect(appHostAndOrigin(proxy(), visitor("null")).origin).toBe("null");
    expect(appHostAndOrigin(proxy(), visitor()).origin).toBeUndefined();
  });

  it("with host_header: visitor, the visitor's Host and the Origin as sent", () => {
    expect(appHostAndOrigin(proxy({ host_header: "visitor" }), visitor("https://nb.apps.example.com"))).toEqual({ host: "nb.apps.example.com", origin: "https://nb.apps.example.com" });
  });

  it("keeps the path form's prefix on the path only with keep_prefix", () => {
    const open = { path: "/@vite/client?x=1", prefix: "/p/nb" };
    expect(appPath(proxy(), open)).toBe("/@vite/client?x=1");
    expect(appPath(proxy({ keep_prefix: true }), open)).toBe("/p/nb/@vite/client?x=1");
    expect(appPath(proxy({ keep_prefix: true }), { path: "/x" })).toBe("/x"); // the host form has no prefix
  });
});
