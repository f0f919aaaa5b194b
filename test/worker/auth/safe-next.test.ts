import { describe, expect, it } from "vitest";
import { safeNext } from "@anchorage/common/safe-next";
import { call, errorOf, json } from "../helpers.ts";
import { PROVIDER_ENV } from "./oauth-fakes.ts";

const ORIGIN = "http://localhost:8787";

/** Issue 19 §5: one check for every `next`, judged by the URL parser, not by a prefix. */
describe("safeNext", () => {
  it("keeps paths on this origin, with their query and fragment", () => {
    expect(safeNext("/p/app/x?y=1#z", ORIGIN)).toBe("/p/app/x?y=1#z");
    expect(safeNext("/", ORIGIN)).toBe("/");
    expect(safeNext("/a/../b", ORIGIN)).toBe("/b");
  });

  it("refuses everything that could leave the origin", () => {
    const payloads = [
      "//evil.example/",
      "/\\evil.example/",
      "/\t/evil.example/",
      "/\n/evil.example/",
      "/\r\n/evil.example/",
      "/%09/evil.example/".replace("%09", "\t"),
      "\\\\evil.example",
      "https://evil.example/",
      "http://localhost:8787.evil.example/",
      "javascript:alert(1)",
      " /x",
      "evil.example",
      "/x\u0000",
      "/x\u007f",
      "/" + "a".repeat(3000),
    ];
    for (const p of payloads) expect(safeNext(p, ORIGIN), JSON.stringify(p)).toBeNull();
    expect(safeNext("", ORIGIN)).toBeNull();
    expect(safeNext(null, ORIGIN)).toBeNull();
  });
});

describe("next on the Worker's redirects", () => {
  it("answers the OAuth start's bad next with a 400, never a redirect elsewhere", async () => {
    for (const next of ["/\t/evil.example/", "/\n/evil.example/", "//evil.example/", "/\\evil.example"]) {
      const res = await call(`/auth/oidc?next=${encodeURIComponent(next)}`, { env: PROVIDER_ENV });
      expect(res.status).toBe(400);
      expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
      expect(res.headers.get("location")).toBeNull();
    }
  });

  it("answers /auth/proxy-login's bad next with a 400 before anything else", async () => {
    for (const next of ["/\t/evil.example/", "/\r\n/evil.example/", "//evil.example/"]) {
      const res = await call(`/auth/proxy-login?slug=app&next=${encodeURIComponent(next)}`);
      expect(res.status).toBe(400);
      expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
    }
  });
});
