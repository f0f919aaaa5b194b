import { postJson, ServerError } from "./server-api.ts";

type DeviceCode = { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };
type Tokens = { access_token: string; refresh_token: string };

/**
 * Signs in through the browser (RFC 8628): shows a URL and a code, then polls until the
 * person approves, denies, or the code expires. Returns a session's tokens.
 */
export async function deviceLogin(base: string, say: (line: string) => void, signal?: AbortSignal, why = { scope: "anchor", purpose: "anchor this machine" }): Promise<Tokens> {
  const code = await postJson<DeviceCode>(base, "/auth/device/code", { client_id: "anchorage-agent", scope: why.scope });
  say(`To ${why.purpose}, open\n\n    ${code.verification_uri_complete}\n\nand confirm the code ${code.user_code} (valid ${Math.round(code.expires_in / 60)} minutes).`);
  let interval = code.interval;
  const deadline = Date.now() + code.expires_in * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, interval * 1000));
    if (signal?.aborted) throw new Error("cancelled");
    try {
      return await postJson<Tokens>(base, "/auth/device/token", { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: code.device_code });
    } catch (e) {
      // RFC 6749 error answers come back as ServerError with the OAuth error as its code.
      const oauth = e instanceof ServerError ? e.code : "";
      if (oauth === "authorization_pending") continue;
      if (oauth === "slow_down") {
        interval += 5;
        continue;
      }
      if (oauth === "access_denied") throw new Error("the sign-in was denied in the browser");
      if (oauth === "expired_token") break;
      throw e;
    }
  }
  throw new Error("the code expired before it was approved; run the command again");
}
