import { describe, expect, it } from "vitest";
import { call, cookieHeader, errorOf, json, ORIGIN, PASSWORD, register } from "../helpers.ts";

const REDIRECT = "http://127.0.0.1:45124/callback";
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // RFC 7636 appendix B

async function signedInBrowser() {
  const owner = await register();
  const login = await call("/auth/login", { body: { email: owner.email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
  return cookieHeader(login);
}

async function registerClient(auth: "none" | "client_secret_basic" = "none"): Promise<string> {
  const res = await call("/oauth/register", { body: { client_name: "pkce test", redirect_uris: [REDIRECT], grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: auth } });
  expect(res.status).toBe(201);
  return (await json(res)).client_id;
}

const authorizeUrl = (clientId: string, extra: Record<string, string>, redirect = REDIRECT) =>
  "/oauth/authorize?" + new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: redirect, state: "st-1", scope: "cloud:read", ...extra }).toString();

function expectErrorRedirect(res: Response) {
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get("location")!);
  expect(back.origin + back.pathname).toBe(REDIRECT);
  expect(back.searchParams.get("error")).toBe("invalid_request");
  expect(back.searchParams.get("state")).toBe("st-1");
  // The response still carries the secure headers every page gets.
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
}

describe("MCP /oauth/authorize refuses a request without S256 PKCE with the OAuth error redirect, never a 500", () => {
  it("no code_challenge: invalid_request to the client's redirect_uri", async () => {
    const [session, clientId] = [await signedInBrowser(), await registerClient()];
    expectErrorRedirect(await call(authorizeUrl(clientId, {}), { cookie: session }));
  });

  it("code_challenge_method=plain: invalid_request to the client's redirect_uri", async () => {
    const [session, clientId] = [await signedInBrowser(), await registerClient()];
    expectErrorRedirect(await call(authorizeUrl(clientId, { code_challenge: CHALLENGE, code_challenge_method: "plain" }), { cookie: session }));
    // RFC 7636 §4.3: no method means plain.
    expectErrorRedirect(await call(authorizeUrl(clientId, { code_challenge: CHALLENGE }), { cookie: session }));
  });

  it("an unknown method, or a method without a challenge: invalid_request to the client's redirect_uri", async () => {
    const [session, clientId] = [await signedInBrowser(), await registerClient()];
    expectErrorRedirect(await call(authorizeUrl(clientId, { code_challenge: CHALLENGE, code_challenge_method: "S512" }), { cookie: session }));
    expectErrorRedirect(await call(authorizeUrl(clientId, { code_challenge_method: "S256" }), { cookie: session }));
  });

  it("a confidential client too must send a challenge (OAuth 2.1)", async () => {
    const [session, clientId] = [await signedInBrowser(), await registerClient("client_secret_basic")];
    expectErrorRedirect(await call(authorizeUrl(clientId, {}), { cookie: session }));
  });

  it("an unregistered redirect_uri is a 400 JSON here, not a redirect", async () => {
    const [session, clientId] = [await signedInBrowser(), await registerClient()];
    const res = await call(authorizeUrl(clientId, {}, "https://evil.example/cb"), { cookie: session });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
  });

  it("with S256 the consent page is shown", async () => {
    const [session, clientId] = [await signedInBrowser(), await registerClient()];
    const res = await call(authorizeUrl(clientId, { code_challenge: CHALLENGE, code_challenge_method: "S256" }), { cookie: session });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('name="handle"');
  });
});
