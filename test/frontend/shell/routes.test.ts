import { describe, expect, it } from "vitest";
import { isWorkerPath, STANDALONE_PAGES, WORKER_EXACT, WORKER_PREFIXES } from "../../../common/src/worker-paths.ts";
import { ADMIN_PAGES, DASHBOARD_ROOTS, INSTANCE_TABS, NAV_PAGES, navPageOf, paths, ROUTER_SCOPE, SETTINGS_PAGES } from "../../../frontend/src/shell/routes.ts";
import { matchItems, paletteItems } from "../../../frontend/src/shell/palette-items.ts";
import type { Instance } from "../../../common/src/cloud.ts";

/** Every address the dashboard's route table can produce, for one instance id. */
function everyAddress(id: string): string[] {
  return [
    ...NAV_PAGES.map((p) => p.path),
    ...INSTANCE_TABS.map((t) => paths.instance(id, t.id)),
    ...NAV_PAGES.filter((p) => p.perInstance).map((p) => paths.perInstance(p.path, id)),
    ...SETTINGS_PAGES.map((s) => paths.settings(s.id)),
    ...ADMIN_PAGES.map((a) => paths.admin(a.id)),
  ];
}

describe("the dashboard's addresses", () => {
  it("never collide with a path the Worker answers itself", () => {
    for (const address of everyAddress("ins_abc")) expect(isWorkerPath(address), address).toBe(false);
    // The list of API paths, each refused as a dashboard root.
    for (const api of ["/api", "/auth", "/admin", "/v2", "/p", "/mcp", "/.well-known", "/docs", "/openapi.json", "/healthz"])
      expect(isWorkerPath(api) || (STANDALONE_PAGES as readonly string[]).includes(api), api).toBe(true);
    for (const root of DASHBOARD_ROOTS) {
      expect(WORKER_PREFIXES.some((p) => root === p.replace(/\/$/, "") || root.startsWith(p)), root).toBe(false);
      expect((WORKER_EXACT as readonly string[]).includes(root)).toBe(false);
      expect((STANDALONE_PAGES as readonly string[]).includes(root)).toBe(false);
    }
  });

  it("are unique and each belongs to its navigation entry", () => {
    const all = everyAddress("ins_abc");
    expect(new Set(all).size).toBe(all.length);
    expect(navPageOf("/instances/ins_abc/files")?.label).toBe("Instances");
    expect(navPageOf("/settings/tokens")?.label).toBe("Settings");
    expect(navPageOf("/manage/users")?.label).toBe("Admin");
    expect(navPageOf("/gitx")).toBeUndefined();
  });

  it("are the router's to handle, and nothing else is", () => {
    for (const address of everyAddress("ins_abc")) expect(ROUTER_SCOPE.test(address), address).toBe(true);
    expect(ROUTER_SCOPE.test("/instances?anchor=1")).toBe(true);
    for (const other of ["/docs", "/p/app/", "/api/cloud/instances", "/instancesx", "/device", "/magic?token=x", "/openapi.json"]) expect(ROUTER_SCOPE.test(other), other).toBe(false);
  });

  it("carry ids safely", () => {
    expect(paths.instance("a/b c")).toBe("/instances/a%2Fb%20c");
    expect(paths.instance("x", "overview")).toBe("/instances/x");
    expect(paths.perInstance("/git", null)).toBe("/git");
  });
});

describe("the command palette", () => {
  const instance = (id: string, name: string) => ({ id, name, hostname: "host", status: "online" }) as Instance;
  const items = paletteItems([instance("ins_1", "web-1"), instance("ins_2", "build-box")], false);

  it("offers pages, instances and actions, not admin pages to a non-admin", () => {
    expect(items.some((i) => i.label === "Admin")).toBe(false);
    expect(paletteItems([], true).some((i) => i.href === "/manage/users")).toBe(true);
    expect(items.find((i) => i.label === "web-1")?.href).toBe("/instances/ins_1");
  });

  it("ranks a label that starts with the query first and needs every word", () => {
    expect(matchItems(items, "build")[0]?.label).toBe("build-box");
    expect(matchItems(items, "web files")[0]?.href).toBe("/instances/ins_1/files");
    expect(matchItems(items, "tokens")[0]?.href).toBe("/settings/tokens");
    expect(matchItems(items, "zzz-nothing")).toEqual([]);
    // An empty query lists pages and instances, not every instance's every tab.
    expect(matchItems(items, "").some((i) => i.label.includes("›"))).toBe(false);
  });
});
