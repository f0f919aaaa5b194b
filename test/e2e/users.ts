import { inject } from "vitest";
import { api, rememberPassword } from "./http-client.ts";

export type TestUser = { email: string; password: string; token: string; id: string };

let n = 0;
/** A new user made by the admin (not by /auth/register, which is rate limited per address), signed in. */
export async function freshUser(label: string): Promise<TestUser> {
  const email = `${label}-${Date.now().toString(36)}-${n++}@e2e.test`;
  const password = `${label} password 12345`;
  const created = await api("/admin/users", { token: inject("adminToken"), body: { email, password } });
  if (created.status !== 201) throw new Error(`could not create ${email}: ${JSON.stringify(created.body)}`);
  // Each test user signs in from an address of its own (TEST-NET-2; wrangler dev keeps a client's
  // CF-Connecting-IP, the edge would overwrite it), so the suite never meets the per-address login limit.
  const login = await api("/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": `198.51.100.${n % 250}` } });
  rememberPassword(login.body.tokens.access_token, password);
  return { email, password, token: login.body.tokens.access_token, id: created.body.id };
}
