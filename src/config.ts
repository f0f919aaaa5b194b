import { z } from "zod";
import { registrationModeSchema } from "@anchorage/common";
import { AppError } from "../core/app-error.ts";
import type { Env } from "../core/env.ts";
import { oauthConfigInput, oauthConfigSchema, toOAuthConfig, type OAuthConfig } from "./auth/oauth/oauth-config.ts";

/**
 * A private ES256 signing key as a JWK with its key id. The first key of
 * JWT_SIGNING_KEYS signs; every key verifies, so a new key can be put first
 * and the old one removed 15 minutes later (one access-token lifetime) without logging anyone out.
 */
const signingJwkSchema = z.object({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1).max(64),
});
export type SigningJwk = z.infer<typeof signingJwkSchema>;

const signingKeysSchema = z
  .string()
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "is not JSON (expected an array of ES256 private JWKs; run `npm run keygen`)" });
      return z.NEVER;
    }
  })
  .pipe(z.array(signingJwkSchema).min(1));

const originListSchema = z
  .string()
  .transform((raw) => raw.split(",").map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.url().transform((u) => new URL(u).origin)).min(1));

const configSchema = z.object({
  ENVIRONMENT: z.enum(["production", "development", "test"]).default("production"),
  APP_ORIGIN: originListSchema,
  JWT_SIGNING_KEYS: signingKeysSchema,
  REGISTRATION: registrationModeSchema,
  COOKIE_SECURE: z.enum(["true", "false"]).transform((v) => v === "true"),
  PROXY_DOMAIN: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/i, "must be a host name, e.g. proxy.example.com or localhost:8787").optional(),
  PROXY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(35),
  // Other services call /api/tokens/{id}/check and friends with it; unset: those routes are off.
  SERVICE_KEY: z.string().min(32, "must be at least 32 characters (run `openssl rand -base64 32`)").optional(),
  // A value is held in memory while it is checked and stored, and an isolate has 128 MB
  // (Workers limits): 32 MiB leaves room for the copies.
  DATA_MAX_VALUE_BYTES: z.coerce.number().int().min(1).max(32 * 1024 * 1024).default(1024 * 1024),
  DATA_QUOTA_BYTES: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(100 * 1024 * 1024),
  // WebAuthn's relying party: a host name without scheme or port (WebAuthn §5.1.4.1 refuses IP addresses).
  RP_ID: z.string().regex(/^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)*$/i, "must be a host name such as example.com (no scheme, port or IP address)").optional(),
  RP_NAME: z.string().trim().min(1).max(100).default("Anchorage"),
  // Mail goes out through Resend's HTTP API when this is set; otherwise to the dev outbox (src/mail/).
  RESEND_API_KEY: z.string().min(1).optional(),
  // "Anchorage <noreply@example.com>" or a bare address, on a domain verified with Resend.
  MAIL_FROM: z.string().trim().regex(/^([^<>]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/, "must be an address, or a name and <address>").optional(),
  // GET /auth/access-token never mints a token that lives longer than this.
  ACCESS_TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
});

export type Config = {
  environment: "production" | "development" | "test";
  /** The origins the dashboard is served from; the first is canonical (issuer, links). */
  origins: string[];
  issuer: string;
  signingKeys: SigningJwk[];
  registration: z.infer<typeof registrationModeSchema>;
  cookieSecure: boolean;
  /** `<slug>.<proxyDomain>` reaches a proxied app; unset: only the /p/<slug>/ form. */
  proxyDomain: string | null;
  proxyTimeoutMs: number;
  /** The shared secret of service-to-service routes (`X-Service-Key`); null: they answer 404. */
  serviceKey: string | null;
  /** The largest value the data store takes (413 beyond). */
  dataMaxValueBytes: number;
  /** What one user may store in all (507 beyond). */
  dataQuotaBytes: number;
  /** Sign-in providers (Google, GitHub, Discord, one OpenID Connect issuer); null where not configured. */
  oauth: OAuthConfig;
  /** Passkeys: the relying party's id (a host name), its display name, and the origins it accepts assertions from. */
  rpId: string;
  rpName: string;
  /** The APP_ORIGIN origins whose host is the RP ID or under it: the only ones a browser lets use these passkeys. */
  passkeyOrigins: string[];
  /** Resend's API key (null: mail is kept in the dev outbox instead of sent) and the sender. */
  mail: { resendApiKey: string | null; from: string };
  /** The longest life of a token from GET /auth/access-token. */
  accessTokenMaxTtlSeconds: number;
};

const DEFAULT_MAIL_FROM = "Anchorage <noreply@anchorage.local>";

const developmentDefaults = {
  APP_ORIGIN: "http://localhost:8787,http://127.0.0.1:8787",
  PROXY_DOMAIN: "localhost:8787",
  REGISTRATION: "open",
  COOKIE_SECURE: "true",
} as const;

const productionDefaults = {
  REGISTRATION: "invite",
  COOKIE_SECURE: "true",
} as const;

/**
 * Reads and validates the Worker's configuration. Production has no default for
 * a secret: a missing or malformed one fails every request with a message naming it,
 * instead of running with something guessable.
 */
export function loadConfig(env: Env): Config {
  const environment = env.ENVIRONMENT ?? "production";
  const defaults = environment === "production" ? productionDefaults : developmentDefaults;
  const raw = {
    ENVIRONMENT: env.ENVIRONMENT,
    APP_ORIGIN: env.APP_ORIGIN || ("APP_ORIGIN" in defaults ? defaults.APP_ORIGIN : undefined),
    JWT_SIGNING_KEYS: env.JWT_SIGNING_KEYS,
    REGISTRATION: env.REGISTRATION || defaults.REGISTRATION,
    COOKIE_SECURE: env.COOKIE_SECURE || defaults.COOKIE_SECURE,
    PROXY_DOMAIN: env.PROXY_DOMAIN || ("PROXY_DOMAIN" in defaults ? defaults.PROXY_DOMAIN : undefined),
    PROXY_TIMEOUT_SECONDS: env.PROXY_TIMEOUT_SECONDS,
    SERVICE_KEY: env.SERVICE_KEY || undefined,
    DATA_MAX_VALUE_BYTES: env.DATA_MAX_VALUE_BYTES || undefined,
    DATA_QUOTA_BYTES: env.DATA_QUOTA_BYTES || undefined,
    ...oauthConfigInput(env),
    RP_ID: env.RP_ID || undefined,
    RP_NAME: env.RP_NAME || undefined,
    RESEND_API_KEY: env.RESEND_API_KEY || undefined,
    MAIL_FROM: env.MAIL_FROM || undefined,
    ACCESS_TOKEN_MAX_TTL_SECONDS: env.ACCESS_TOKEN_MAX_TTL_SECONDS || undefined,
  };
  const parsed = configSchema.extend(oauthConfigSchema(environment === "production").shape).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? "config");
      return i.code === "invalid_type" && raw[name as keyof typeof raw] === undefined
        ? `${name} is not set`
        : `${name} ${i.message}`;
    });
    // Never echo the values: they are secrets.
    throw new AppError("E-CONFIG", `server misconfigured: ${[...new Set(problems)].join("; ")}`);
  }
  const c = parsed.data;
  // Sending real mail from a made-up address would only bounce: say which setting is missing.
  if (c.RESEND_API_KEY && !c.MAIL_FROM && c.ENVIRONMENT === "production") {
    throw new AppError("E-CONFIG", "server misconfigured: MAIL_FROM is not set (RESEND_API_KEY is, so mail needs a sender)");
  }
  // The RP ID defaults to the canonical origin's host; it must be that host or a parent domain of it
  // (WebAuthn §5.1.4.1), so a browser on the dashboard can use the passkeys at all.
  const rpId = (c.RP_ID ?? new URL(c.APP_ORIGIN[0]!).hostname).toLowerCase();
  const passkeyOrigins = c.APP_ORIGIN.filter((o) => hostUnderRpId(new URL(o).hostname, rpId));
  if (passkeyOrigins.length === 0) {
    throw new AppError("E-CONFIG", `server misconfigured: RP_ID ${rpId} is neither the host of an APP_ORIGIN nor a parent domain of one`);
  }
  return {
    environment: c.ENVIRONMENT,
    origins: c.APP_ORIGIN,
    issuer: c.APP_ORIGIN[0]!,
    signingKeys: c.JWT_SIGNING_KEYS,
    registration: c.REGISTRATION,
    cookieSecure: c.COOKIE_SECURE,
    proxyDomain: c.PROXY_DOMAIN?.toLowerCase() ?? null,
    proxyTimeoutMs: c.PROXY_TIMEOUT_SECONDS * 1000,
    serviceKey: c.SERVICE_KEY ?? null,
    dataMaxValueBytes: c.DATA_MAX_VALUE_BYTES,
    dataQuotaBytes: c.DATA_QUOTA_BYTES,
    oauth: toOAuthConfig(c),
    rpId,
    rpName: c.RP_NAME,
    passkeyOrigins,
    mail: { resendApiKey: c.RESEND_API_KEY ?? null, from: c.MAIL_FROM ?? DEFAULT_MAIL_FROM },
    accessTokenMaxTtlSeconds: c.ACCESS_TOKEN_MAX_TTL_SECONDS,
  };
}

const hostUnderRpId = (host: string, rpId: string) => host === rpId || host.endsWith(`.${rpId}`);
