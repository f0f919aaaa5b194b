import { getJson, postJson } from "./server-api.ts";

type Asked = { message: string; expires_in: number; request_id: string; check_code: string };
type Status = { status: "pending" | "expired" | "used" } | { status: "approved"; tokens: { access_token: string; refresh_token: string } };

/**
 * Signs in with a link sent by mail: asks for one for this terminal (`for: "cli"`), tells the person
 * to open it and which code to expect in the mail, then polls until it is opened. The session comes
 * to this terminal, once; the browser that opens the link only approves.
 */
export async function magicLinkLogin(base: string, email: string, say: (line: string) => void, o: { intervalMs?: number; signal?: AbortSignal } = {}) {
  const asked = await postJson<Asked>(base, "/auth/magic-link/request", { email, for: "cli" });
  say(`Check your mail (${email}): open the sign-in link and approve it. The mail names the code ${asked.check_code}; do not approve a different one.`);
  // The server answers every address the same way (so nobody can probe for accounts): say so.
  say(`Waiting up to ${Math.round(asked.expires_in / 60)} minutes. No mail? Check the address: no link is sent where there is no account.`);
  const deadline = Date.now() + (asked.expires_in + 60) * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 2000));
    if (o.signal?.aborted) throw new Error("cancelled");
    const s = await getJson<Status>(base, `/auth/magic-link/status?request_id=${encodeURIComponent(asked.request_id)}`);
    if (s.status === "approved") return s.tokens;
    if (s.status === "used") throw new Error("this sign-in was already claimed by another poll; run the command again");
    if (s.status === "expired") break;
  }
  throw new Error("the link was not opened in time; run the command again");
}
