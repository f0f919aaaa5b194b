import os from "node:os";
import { postJson } from "./server-api.ts";

type Session = { tokens: { access_token: string; refresh_token: string } };

/**
 * Signs in with a 6-digit device code made in the dashboard (Account → "Create a device code").
 * Returns a session's tokens; a wrong, expired or used code is the server's 401, said plainly.
 */
export async function inviteLogin(base: string, code: string): Promise<{ access_token: string; refresh_token: string }> {
  const typed = code.replace(/[\s-]/g, "");
  if (!/^\d{6}$/.test(typed)) throw new Error(`--invite takes the 6-digit code the dashboard shows (got "${code}")`);
  const session = await postJson<Session>(base, "/auth/device-invite/verify", { code: typed, client_name: `anchorage on ${os.hostname()}`.slice(0, 100) });
  return session.tokens;
}
