import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from "jose";

/** The four providers configured as the tests' Worker sees them (env overrides per call). */
export const OIDC_ISSUER = "https://idp.oidc.test";
export const PROVIDER_ENV = {
  GOOGLE_CLIENT_ID: "google-client",
  GOOGLE_CLIENT_SECRET: "google-secret",
  DISCORD_CLIENT_ID: "discord-client",
  DISCORD_CLIENT_SECRET: "discord-secret",
  GITHUB_CLIENT_ID: "github-client",
  GITHUB_CLIENT_SECRET: "github-secret",
  OIDC_ISSUER,
  OIDC_CLIENT_ID: "anchorage",
  OIDC_CLIENT_SECRET: "oidc-secret",
  OIDC_NAME: "Keycloak",
} as const;

export type ProviderName = "google" | "github" | "discord" | "oidc";

/** Who signs in at a fake provider. */
export type Person = {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  /** GitHub only: what /user/emails lists (else the email above, as primary). */
  githubEmails?: { email: string; primary: boolean; verified: boolean }[];
};

type Grant = { provider: ProviderName; challenge: string; nonce: string | null; person: Person; redirectUri: string };

const b64url = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const s256 = async (verifier: string) => b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
const json = (body: unknown, status = 200) => Response.json(body, { status });

const CLIENTS: Record<ProviderName, [string, string]> = {
  google: [PROVIDER_ENV.GOOGLE_CLIENT_ID, PROVIDER_ENV.GOOGLE_CLIENT_SECRET],
  discord: [PROVIDER_ENV.DISCORD_CLIENT_ID, PROVIDER_ENV.DISCORD_CLIENT_SECRET],
  github: [PROVIDER_ENV.GITHUB_CLIENT_ID, PROVIDER_ENV.GITHUB_CLIENT_SECRET],
  oidc: [PROVIDER_ENV.OIDC_CLIENT_ID, PROVIDER_ENV.OIDC_CLIENT_SECRET],
};

/**
 * Google's, Discord's and GitHub's token and profile endpoints, and a whole OpenID provider, at the
 * HTTP boundary: the Worker's `fetch` to their hosts is answered here, as they would answer (a code
 * is good once, only with the verifier whose S256 challenge the authorization URL carried, and
 * only for the client that asked for it). `authorize` plays the person approving at the provider.
 */
export class FakeProviders {
  private readonly grants = new Map<string, Grant>();
  private readonly tokens = new Map<string, Person>();
  private restoreFetch: (() => void) | null = null;
  private key!: CryptoKey;
  private jwk!: Record<string, unknown>;
  /** Token requests per provider (answered or refused). */
  readonly tokenCalls: Record<ProviderName, number> = { google: 0, github: 0, discord: 0, oidc: 0 };
  /** Changes the next ID tokens (claims, or the signing key) to play a hostile or broken provider. */
  idTokenTweak: ((claims: JWTPayload) => Promise<CryptoKey | void> | CryptoKey | void) | null = null;

  async install(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    this.key = privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: "fake-1", alg: "RS256", use: "sig" };
    const previous = globalThis.fetch;
    let active = true;
    const intercept = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const req = new Request(input, init);
      const answer = active ? await this.answer(req) : null;
      return answer ?? previous(input, init);
    };
    globalThis.fetch = intercept as typeof fetch;
    this.restoreFetch = () => {
      active = false;
      if (globalThis.fetch === intercept) globalThis.fetch = previous;
    };
  }

  restore(): void {
    this.restoreFetch?.();
  }

  /** The person approves at the provider: returns the code the provider sends the browser back with. */
  authorize(provider: ProviderName, authorizationUrl: URL, person: Person): string {
    const q = authorizationUrl.searchParams;
    if (q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) throw new Error("authorization URL without S256 PKCE");
    if (q.get("client_id") !== CLIENTS[provider][0]) throw new Error("authorization URL for another client");
    const code = `code-${crypto.randomUUID()}`;
    this.grants.set(code, { provider, challenge: q.get("code_challenge")!, nonce: q.get("nonce"), person, redirectUri: q.get("redirect_uri")! });
    return code;
  }

  private async answer(req: Request): Promise<Response | null> {
    const url = new URL(req.url);
    const route = `${req.method} ${url.host}${url.pathname}`;
    switch (route) {
      case "POST oauth2.googleapis.com/token":
        return this.token("google", req);
      case "GET openidconnect.googleapis.com/v1/userinfo":
        return this.withPerson(req, (p) => json({ sub: p.sub, email: p.email, email_verified: p.emailVerified ?? false, name: p.name }));
      case "POST discord.com/api/oauth2/token":
        return this.token("discord", req);
      case "GET discord.com/api/users/@me":
        return this.withPerson(req, (p) => json({ id: p.sub, username: p.name ?? "someone", global_name: p.name ?? null, email: p.email ?? null, verified: p.emailVerified ?? false }));
      case "POST github.com/login/oauth/access_token":
        return this.token("github", req);
      case "GET api.github.com/user":
        return this.withPerson(req, (p) => json({ id: Number(p.sub), login: p.name ?? "someone", name: p.name ?? null, email: null }));
      case "GET api.github.com/user/emails":
        return this.withPerson(req, (p) => json(p.githubEmails ?? (p.email ? [{ email: p.email, primary: true, verified: p.emailVerified ?? false }] : [])));
      case `GET ${new URL(OIDC_ISSUER).host}/.well-known/openid-configuration`:
        return json({
          issuer: OIDC_ISSUER,
          authorization_endpoint: `${OIDC_ISSUER}/authorize`,
          token_endpoint: `${OIDC_ISSUER}/token`,
          jwks_uri: `${OIDC_ISSUER}/jwks`,
          userinfo_endpoint: `${OIDC_ISSUER}/userinfo`,
        });
      case `GET ${new URL(OIDC_ISSUER).host}/jwks`:
        return json({ keys: [this.jwk] });
      case `POST ${new URL(OIDC_ISSUER).host}/token`:
        return this.token("oidc", req);
      case `GET ${new URL(OIDC_ISSUER).host}/userinfo`:
        return this.withPerson(req, (p) => json({ sub: p.sub, email: p.email, email_verified: p.emailVerified ?? false, name: p.name }));
      default:
        return null;
    }
  }

  private async token(provider: ProviderName, req: Request): Promise<Response> {
    this.tokenCalls[provider]++;
    // GitHub answers a refused code with 200 and an error body; the others with 400/401.
    const refuse = (error: string, status: number) => (provider === "github" ? json({ error }) : json({ error }, status));
    const [id, secret] = CLIENTS[provider];
    if (req.headers.get("authorization") !== `Basic ${btoa(`${id}:${secret}`)}`) return refuse("invalid_client", 401);
    const form = new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()));
    const grant = this.grants.get(form.get("code") ?? "");
    if (!grant || grant.provider !== provider) return refuse("invalid_grant", 400);
    this.grants.delete(form.get("code")!); // a code is good once
    if (form.get("redirect_uri") !== grant.redirectUri) return refuse("invalid_grant", 400);
    const verifier = form.get("code_verifier");
    if (!verifier || (await s256(verifier)) !== grant.challenge) return refuse("invalid_grant", 400);
    const accessToken = `at-${crypto.randomUUID()}`;
    this.tokens.set(accessToken, grant.person);
    const body: Record<string, unknown> = { access_token: accessToken, token_type: "Bearer", expires_in: 3600 };
    if (provider === "oidc") body.id_token = await this.idToken(grant);
    return json(body);
  }

  private async idToken(grant: Grant): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = { iss: OIDC_ISSUER, aud: PROVIDER_ENV.OIDC_CLIENT_ID, sub: grant.person.sub, iat: now, exp: now + 300 };
    if (grant.nonce) claims.nonce = grant.nonce;
    if (grant.person.email !== undefined) Object.assign(claims, { email: grant.person.email, email_verified: grant.person.emailVerified ?? false });
    if (grant.person.name) claims.name = grant.person.name;
    const key = (await this.idTokenTweak?.(claims)) ?? this.key;
    return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "fake-1" }).sign(key);
  }

  private withPerson(req: Request, answer: (p: Person) => Response): Response {
    const token = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1];
    const person = token ? this.tokens.get(token) : undefined;
    return person ? answer(person) : json({ message: "Bad credentials" }, 401);
  }
}
