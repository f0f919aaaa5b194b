import { describe, expect, it } from "vitest";
import { proxiedSetCookie } from "../../../durable-objects/instance/proxy-set-cookie.ts";

const pathOf = (v: string) => v.split(";").map((a) => a.trim()).filter((a) => /^path=/i.test(a));

/** Issue 19 §2: a proxied app's server must not replace or shadow the dashboard's session. */
describe("a proxied app's Set-Cookie", () => {
  it("drops every cookie under one of Anchorage's names, on both forms, however it is spelled", () => {
    for (const name of ["anc_access", "anc_refresh", "anc_proxy", "__Host-anc_access", "__Secure-anc_refresh", "ANC_ACCESS", " anc_access"]) {
      for (const prefix of ["/p/evil", null]) expect(proxiedSetCookie(`${name}=attacker; Path=/`, prefix), `${name} ${prefix}`).toBeNull();
    }
  });

  it("drops a cookie that sets Domain (it would reach the dashboard's host or its siblings)", () => {
    for (const prefix of ["/p/evil", null]) {
      expect(proxiedSetCookie("sid=1; Domain=localhost; Path=/", prefix)).toBeNull();
      expect(proxiedSetCookie("sid=1; Path=/; domain=.example.com", prefix)).toBeNull();
    }
  });

  it("gives a path-form cookie exactly one Path, under the prefix, whatever Path attributes it sent", () => {
    const cases: [string, string][] = [
      ["sid=1; Path=/api; Path=/", "/p/evil/"],
      ["sid=1; Path= /", "/p/evil/"],
      ["sid=1; Path=/api; Path= /", "/p/evil/"],
      ["sid=1; path=/deep", "/p/evil/deep"],
      ["sid=1", "/p/evil/"],
      ["sid=1; Path=relative", "/p/evil/"],
    ];
    for (const [header, path] of cases) {
      const out = proxiedSetCookie(header, "/p/evil")!;
      expect(pathOf(out), header).toEqual([`Path=${path}`]);
      expect(out.startsWith("sid=1;")).toBe(true);
    }
  });

  it("keeps the cookie's value byte for byte and its other attributes", () => {
    const out = proxiedSetCookie('tok="a%20b=c"; Max-Age=60; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Secure; HttpOnly; SameSite=Strict; Path=/', "/p/app")!;
    expect(out).toBe('tok="a%20b=c"; Path=/p/app/; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=60; Secure; HttpOnly; SameSite=Strict');
  });

  it("drops a nameless cookie (a browser would store it under the empty name)", () => {
    expect(proxiedSetCookie("anc_access", "/p/app")).toBeNull();
    expect(proxiedSetCookie("=x; Path=/", null)).toBeNull();
  });
});
