import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = () => existsSync(CHROMIUM);

/** Debian's Chromium, headless (Playwright gives it a fresh profile), with no background traffic (this machine has no internet). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

let signIns = 0;
/**
 * Signs a browser context in as `email` the way the dashboard does (`transport: "cookie"`), without
 * typing into the form: for tests about something else, so the sign-in form's own per-address
 * limit (every page here comes from 127.0.0.1) is left to the tests of the form itself.
 */
export async function signInContext(context: BrowserContext, baseUrl: string, email: string, password: string): Promise<void> {
  const origin = new URL(baseUrl).origin;
  const res = await fetch(`${origin}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin, "cf-connecting-ip": `198.51.100.${150 + (signIns++ % 100)}` },
    body: JSON.stringify({ email, password, transport: "cookie" }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${email} failed: ${res.status} ${await res.text()}`);
  const url = new URL(origin);
  await context.addCookies(
    res.headers.getSetCookie().map((line) => {
      const [pair, ...attrs] = line.split(";").map((p) => p.trim());
      const eq = pair!.indexOf("=");
      const attr = (n: string) => attrs.find((a) => a.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
      const sameSite = attr("samesite");
      return {
        name: pair!.slice(0, eq),
        value: pair!.slice(eq + 1),
        domain: url.hostname,
        path: attr("path") ?? "/",
        httpOnly: attrs.some((a) => a.toLowerCase() === "httponly"),
        secure: attrs.some((a) => a.toLowerCase() === "secure"),
        sameSite: sameSite === "Strict" ? ("Strict" as const) : sameSite === "None" ? ("None" as const) : ("Lax" as const),
      };
    }),
  );
}
