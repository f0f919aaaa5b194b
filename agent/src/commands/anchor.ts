import { exportJWK, generateKeyPair } from "jose";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { defaultConfigYaml, loadConfig } from "../config-file.ts";
import { ensureHome, homePaths, readCredential, writeCredential } from "../home.ts";
import { deviceLogin } from "../device-login.ts";
import { inviteLogin } from "../invite-login.ts";
import { magicLinkLogin } from "../magic-link-login.ts";
import { postJson } from "../server-api.ts";
import { readAgentVersion } from "../system-stats.ts";

export type AnchorOptions = {
  url: string;
  name?: string;
  token?: string;
  email?: string;
  password?: string;
  /** A 6-digit device code from the dashboard. */
  invite?: string;
  /** With `email`: sign in through a link sent by mail instead of a password. */
  magicLink?: boolean;
  home?: string;
  force?: boolean;
};

/**
 * `anchorage anchor <url>`: proves who the owner is (anchor token from a password, or
 * a token given), generates this instance's own ES256 key pair, registers the public
 * half, and writes the config and the credential (0600) under the home directory.
 */
export async function anchor(opts: AnchorOptions): Promise<void> {
  const url = new URL(opts.url);
  if (!/^https?:$/.test(url.protocol)) throw new Error(`the server URL must be http:// or https:// (got ${opts.url})`);
  const base = url.origin;
  const paths = homePaths(opts.home);
  await ensureHome(paths.dir);
  const existing = await readCredential(paths.credential);
  if (existing && !opts.force) {
    throw new Error(`already anchored as ${existing.instance_id} to ${existing.url} (${paths.credential}); use --force to anchor again as a new instance`);
  }

  // The config comes first, so a broken one is refused before anything is registered.
  const name = opts.name ?? os.hostname();
  if (!existsSync(paths.config)) await writeFile(paths.config, defaultConfigYaml(name), { mode: 0o600 });
  const config = await loadConfig(paths.config);

  const ways = [opts.token && "--token", opts.invite && "--invite", opts.email && (opts.magicLink ? "--magic-link" : "--email")].filter(Boolean);
  if (ways.length > 1) throw new Error(`choose one way to sign in, not ${ways.join(" and ")}`);
  if (opts.magicLink && !opts.email) throw new Error("--magic-link needs --email: the address the link is sent to");

  const body: Record<string, unknown> = {};
  let endSession: () => Promise<void> = async () => {};
  const headers: Record<string, string> = {};
  if (opts.token) {
    if (opts.token.startsWith("ant_")) body.anchor_token = opts.token;
    else headers.authorization = `Bearer ${opts.token}`;
  } else if (opts.email && !opts.magicLink) {
    if (!opts.password) throw new Error("--email needs --password (or ANCHORAGE_PASSWORD in the environment), or --magic-link");
    const t = await postJson<{ anchor_token: string }>(base, "/api/cloud/request-anchor-token", { email: opts.email, password: opts.password });
    body.anchor_token = t.anchor_token;
  } else {
    // A session (a device code from the dashboard, a link by mail, or by default the browser's
    // RFC 8628 sign-in), ended as soon as the instance is registered.
    const say = (line: string) => console.log(line);
    const session = opts.invite
      ? await inviteLogin(base, opts.invite)
      : opts.magicLink
        ? await magicLinkLogin(base, opts.email!, say)
        : await deviceLogin(base, say);
    headers.authorization = `Bearer ${session.access_token}`;
    endSession = () => postJson(base, "/auth/logout", { refresh_token: session.refresh_token }, headers).then(() => undefined, () => undefined);
  }

  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  let registered: { instance_id: string; fingerprint: string };
  try {
    registered = await postJson<{ instance_id: string; fingerprint: string }>(
      base,
      "/api/cloud/instances/register",
      {
        ...body,
        name: opts.name ?? config.name,
        public_key: { kty: "EC", crv: "P-256", x: publicJwk.x, y: publicJwk.y },
        hostname: os.hostname(),
        platform: os.platform(),
        arch: os.arch(),
        agent_version: readAgentVersion(),
        // What registering takes of the proxy (its other keys come with every hello; the request's schema is strict).
        ...(config.proxy ? { proxy: { slug: config.proxy.slug, target: config.proxy.target, access: config.proxy.access } } : {}),
      },
      headers,
    );
  } finally {
    await endSession();
  }
  await writeCredential(paths.credential, {
    instance_id: registered.instance_id,
    url: base,
    private_jwk: { ...privateJwk, kty: "EC" },
    public_jwk: { ...publicJwk, kty: "EC" },
    anchored_at: new Date().toISOString(),
  });
  console.log(`Anchored "${opts.name ?? config.name}" as ${registered.instance_id} to ${base}`);
  console.log(`  key fingerprint ${registered.fingerprint}`);
  console.log(`  config ${paths.config}`);
  console.log(`Start it with: anchorage run${opts.home ? ` --home ${opts.home}` : ""}`);
}
