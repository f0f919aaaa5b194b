import { describe, expect, it } from "vitest";
import { permit } from "../../../core/auth/permit.ts";
import type { Principal } from "../../../core/auth/principal.ts";

const principal = (over: Partial<Principal["user"]> = {}): Principal => {
  const user = { id: "usr_a", email: "a@x", emailNormalized: "a@x", name: "a", roles: ["user"], passwordHash: null, disabledAt: null, createdAt: "", updatedAt: "", ...over } as Principal["user"];
  return { kind: "user", userId: user.id, roles: user.roles, sessionId: "ses_1", provider: "password", jti: "j", tokenExp: 0, via: "bearer", user };
};

describe("permit()", () => {
  it("lets a user act on their own account", () => {
    expect(permit(principal(), "update:account", { type: "account", ownerId: "usr_a" })).toBe(true);
  });
  it("denies a user another's account", () => {
    expect(permit(principal(), "read:account", { type: "account", ownerId: "usr_b" })).toBe(false);
  });
  it("denies a user admin actions even on their own account", () => {
    expect(permit(principal(), "admin:users", { type: "account", ownerId: "usr_a" })).toBe(false);
    expect(permit(principal(), "admin:users", { type: "system" })).toBe(false);
  });
  it("lets an admin do everything", () => {
    expect(permit(principal({ roles: ["user", "admin"] }), "admin:sessions", { type: "system" })).toBe(true);
  });
  it("denies a disabled admin", () => {
    expect(permit(principal({ roles: ["admin"], disabledAt: "2026-01-01" }), "admin:users", { type: "system" })).toBe(false);
  });
  it("denies nobody-signed-in", () => {
    expect(permit(null, "read:account", { type: "system" })).toBe(false);
  });
  it("fails closed when the policy cannot be evaluated", () => {
    const broken = principal();
    Object.defineProperty(broken.user, "roles", { get: () => { throw new Error("boom"); } });
    expect(permit(broken, "admin:users", { type: "system" })).toBe(false);
  });
});
