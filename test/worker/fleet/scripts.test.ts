import { describe, expect, it } from "vitest";
import { MAX_SCRIPT_BYTES } from "@anchorage/common";
import { call, errorOf, json, register, type Session } from "../helpers.ts";

const create = (s: Session | string, body: unknown) => call("/api/cloud/scripts", { token: typeof s === "string" ? s : s.access, body });
const update = (s: Session, id: string, body: unknown) => call(`/api/cloud/scripts/${id}`, { method: "PUT", token: s.access, body });
const get = (s: Session | string, path: string) => call(`/api/cloud/scripts${path}`, { token: typeof s === "string" ? s : s.access });

async function made(s: Session, body = { name: `s-${Math.random().toString(36).slice(2, 8)}`, body: "echo one\n", interpreter: "sh" }) {
  const res = await create(s, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return json(res);
}

describe("the script library", () => {
  it("keeps every version: a change is version n+1, each old body still readable", async () => {
    const owner = await register();
    const v1 = await made(owner, { name: "deploy", body: "echo one\n", interpreter: "sh" });
    expect(v1).toMatchObject({ name: "deploy", version: 1, interpreter: "sh", body: "echo one\n" });
    expect(v1.id).toMatch(/^scr_/);
    expect(v1.versions).toEqual([expect.objectContaining({ version: 1, interpreter: "sh", bytes: 9, created_by: owner.userId })]);

    const v2 = await json(await update(owner, v1.id, { body: "print('two')\n", interpreter: "python3" }));
    expect(v2).toMatchObject({ id: v1.id, name: "deploy", version: 2, interpreter: "python3", body: "print('two')\n" });
    const v3 = await json(await update(owner, v1.id, { body: "print('three')\n", name: "deploy-eu" }));
    // The interpreter is kept when not given; the name changes for the script as a whole.
    expect(v3).toMatchObject({ version: 3, interpreter: "python3", name: "deploy-eu" });
    expect(v3.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);

    const one = await json(await get(owner, `/${v1.id}/versions/1`));
    expect(one).toMatchObject({ script_id: v1.id, version: 1, interpreter: "sh", body: "echo one\n" });
    expect((await json(await get(owner, `/${v1.id}/versions/2`))).body).toBe("print('two')\n");
    expect((await json(await get(owner, `/${v1.id}`))).body).toBe("print('three')\n");
    const missing = await get(owner, `/${v1.id}/versions/9`);
    expect(missing.status).toBe(404);
    expect(errorOf(await json(missing)).message).toMatch(/no version 9/);

    const list = (await json(await get(owner, ""))).scripts;
    expect(list).toEqual([expect.objectContaining({ id: v1.id, name: "deploy-eu", version: 3, interpreter: "python3" })]);
    expect(list[0]).not.toHaveProperty("body");

    expect((await call(`/api/cloud/scripts/${v1.id}`, { method: "DELETE", token: owner.access })).status).toBe(200);
    expect((await get(owner, `/${v1.id}`)).status).toBe(404);
    expect((await get(owner, `/${v1.id}/versions/1`)).status).toBe(404);
    expect((await json(await get(owner, ""))).scripts).toEqual([]);
  });

  it("scopes every call to the owner: another user's script is 404 to read, change, delete or list", async () => {
    const owner = await register();
    const other = await register();
    const s = await made(owner);
    for (const path of [`/${s.id}`, `/${s.id}/versions/1`]) expect((await get(other, path)).status, path).toBe(404);
    expect((await update(other, s.id, { body: "echo mine" })).status).toBe(404);
    expect((await call(`/api/cloud/scripts/${s.id}`, { method: "DELETE", token: other.access })).status).toBe(404);
    expect((await json(await get(other, ""))).scripts).toEqual([]);
    // Nothing changed for the owner.
    expect(await json(await get(owner, `/${s.id}`))).toMatchObject({ version: 1, body: "echo one\n" });
    // The same name is free for another user, taken for the owner.
    expect((await create(other, { name: s.name, body: "echo", interpreter: "bash" })).status).toBe(201);
    const dup = await create(owner, { name: s.name, body: "echo", interpreter: "bash" });
    expect(dup.status).toBe(409);
    expect(errorOf(await json(dup)).fields?.[0]?.path).toBe("name");
  });

  it("refuses bad input with a 400 naming the field, and stores nothing", async () => {
    const owner = await register();
    const cases: [unknown, string][] = [
      [{ name: "", body: "echo", interpreter: "sh" }, "name"],
      [{ name: "x".repeat(101), body: "echo", interpreter: "sh" }, "name"],
      [{ name: "a\nb", body: "echo", interpreter: "sh" }, "name"],
      [{ name: "ok", body: "", interpreter: "sh" }, "body"],
      [{ name: "ok", body: "x".repeat(MAX_SCRIPT_BYTES + 1), interpreter: "sh" }, "body"],
      // Bytes, not characters: 44k three-byte characters are over 128 KiB.
      [{ name: "ok", body: "€".repeat(44_000), interpreter: "sh" }, "body"],
      [{ name: "ok", body: "echo", interpreter: "perl" }, "interpreter"],
      [{ name: "ok", body: "echo" }, "interpreter"],
      [{ name: "ok", body: "echo", interpreter: "sh", extra: 1 }, "(body)"],
    ];
    for (const [body, field] of cases) {
      const res = await create(owner, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const err = errorOf(await json(res));
      expect(err.code).toBe("E-VALIDATION");
      expect(err.fields?.map((f) => f.path), JSON.stringify(err)).toContain(field);
    }
    // The largest body allowed is taken (the app's 64 KiB request limit does not apply here).
    const big = await create(owner, { name: "big", body: "#".repeat(MAX_SCRIPT_BYTES), interpreter: "sh" });
    expect(big.status).toBe(201);
    const s = await json(big);
    const bad = await update(owner, s.id, { body: "echo", interpreter: "zsh" });
    expect(bad.status).toBe(400);
    expect(errorOf(await json(bad)).fields?.[0]?.path).toBe("interpreter");
    expect((await update(owner, s.id, { interpreter: "sh" })).status).toBe(400);
    expect((await get(owner, `/${s.id}/versions/0`)).status).toBe(400);
    expect((await json(await get(owner, `/${s.id}`))).version).toBe(1);
    expect((await json(await get(owner, ""))).scripts.map((x: { name: string }) => x.name)).toEqual(["big"]);
  });

  it("a request is refused without a sign-in, and a token without command on every instance", async () => {
    const owner = await register();
    expect((await call("/api/cloud/scripts")).status).toBe(401);
    const narrow = await json(await call("/api/tokens", { token: owner.access, body: { name: "ci", scopes: [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }] } }));
    const res = await create(narrow.token, { name: "t", body: "echo", interpreter: "sh" });
    expect(res.status).toBe(403);
    expect(errorOf(await json(res)).message).toMatch(/command/);
    const wide = await json(await call("/api/tokens", { token: owner.access, body: { name: "ci2", scopes: [{ scope: `cloud.${owner.userId}.instances`, actions: ["read", "command"] }] } }));
    expect((await create(wide.token, { name: "t", body: "echo", interpreter: "sh" })).status).toBe(201);
    expect((await json(await get(wide.token, ""))).scripts.map((x: { name: string }) => x.name)).toEqual(["t"]);
  });
});
