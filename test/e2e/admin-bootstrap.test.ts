import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bootstrapAdmin } from "../../scripts/lib/bootstrap-admin.ts";
import { applyMigrations, d1Query } from "../../scripts/lib/wrangler.ts";
import { verifyPassword } from "../../src/auth/password/password-hash.ts";

describe("first admin bootstrap (what `npm start` does with no ADMIN_* set)", () => {
  const persistTo = mkdtempSync(join(tmpdir(), "anchorage-bootstrap-"));
  afterAll(() => rmSync(persistTo, { recursive: true, force: true }));

  it("generates a password once, stores only its hash, and never touches an existing admin", async () => {
    const target = { remote: false, persistTo };
    applyMigrations(target);
    const first = await bootstrapAdmin(target, {});
    expect(first.created).toBe(true);
    if (!first.created) return;
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const [row] = d1Query<{ password_hash: string; roles: string }>(target, `SELECT password_hash, roles FROM users WHERE email = '${first.email}'`);
    expect(row!.password_hash).not.toContain(first.generatedPassword!);
    expect(await verifyPassword(first.generatedPassword!, row!.password_hash)).toBe(true);
    expect(JSON.parse(row!.roles)).toContain("admin");

    const second = await bootstrapAdmin(target, { email: "other@e2e.test", password: "another long password" });
    expect(second).toEqual({ created: false, reason: expect.stringMatching(/already exists/) });
  });
});
