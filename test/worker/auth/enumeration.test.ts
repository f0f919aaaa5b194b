import { describe, expect, it } from "vitest";
import { call, json, register, uniqueEmail } from "../helpers.ts";

describe("no user enumeration through login", () => {
  it("answers an unknown email and a wrong password with the same status and body", async () => {
    const s = await register();
    const wrong = await call("/auth/login", { body: { email: s.email, password: "not the password" } });
    const unknown = await call("/auth/login", { body: { email: uniqueEmail(), password: "not the password" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    expect(await json(unknown)).toEqual(await json(wrong));
  });

  it("does not reveal the password policy at login (a short password is just wrong)", async () => {
    const s = await register();
    const res = await call("/auth/login", { body: { email: s.email, password: "x" } });
    expect(res.status).toBe(401);
  });
});
