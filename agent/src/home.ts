import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import os from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";

/** The files in the agent's home directory (`--home`, default `~/.anchorage`). */
export interface HomePaths {
  dir: string;
  config: string; // config.yaml
  credential: string; // credential.json: the instance's private key
  log: string; // agent.log
}

export function defaultHome(): string {
  return join(os.homedir(), ".anchorage");
}

/** Absolute paths of the home's files; a leading `~` (as in `--home=~/x`, which no shell expands) means the user's home. */
export function homePaths(dir: string = defaultHome()): HomePaths {
  const expanded = dir === "~" ? os.homedir() : /^~[/\\]/.test(dir) ? join(os.homedir(), dir.slice(2)) : dir;
  const abs = resolve(expanded);
  return { dir: abs, config: join(abs, "config.yaml"), credential: join(abs, "credential.json"), log: join(abs, "agent.log") };
}

/** Creates the home directory if needed and makes it private (0700): it holds the instance's private key. */
export async function ensureHome(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone; the key inside needs it closed anyway.
  await chmod(dir, 0o700);
}

/**
 * Writes a file readable by its owner only (0600), atomically: a temp file in the same
 * directory, flushed, then renamed over the target, so a crash leaves the old file or the
 * new one, never half of one. The temp file is removed if anything fails.
 */
export const writePrivateFile = (path: string, data: string | Uint8Array) => writeFileAtomically(path, data, 0o600);

/** Writes `path` atomically (temp file in the same directory, flushed, renamed over it) with exactly `mode`. */
export async function writeFileAtomically(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    // "wx": never follow or reuse something already there; the mode is set at creation.
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode); // the umask may have narrowed it
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined); // best effort: the original error is what matters
  }
}

/** Makes the rename itself durable (POSIX); Windows cannot open a directory for fsync. */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const jwkSchema = z.looseObject({ kty: z.string().min(1) });

/** What `anchorage anchor` keeps: the instance's key pair and where it is anchored. */
export const credentialSchema = z.strictObject({
  instance_id: z.string().min(1),
  url: z.url().refine((u) => /^https?:\/\//.test(u), "must be an http:// or https:// URL"),
  private_jwk: jwkSchema.refine((k) => typeof k.d === "string", "must be a private key (has no \"d\")"),
  // A private key here would be sent where a public key is expected.
  public_jwk: jwkSchema.refine((k) => !("d" in k), "must be a public key (has \"d\")"),
  anchored_at: z.iso.datetime({ offset: true }),
});
export type Credential = z.infer<typeof credentialSchema>;

/** The stored credential, or null when the agent has not been anchored yet (no file). */
export async function readCredential(path: string): Promise<Credential | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message}); anchor again to replace it`);
  }
  const result = credentialSchema.safeParse(json);
  if (!result.success) {
    const reasons = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${path}: invalid credential: ${reasons.join("; ")}`);
  }
  return result.data;
}

/** Validates and stores the credential as a private file. */
export async function writeCredential(path: string, credential: Credential): Promise<void> {
  const valid = credentialSchema.parse(credential);
  await writePrivateFile(path, `${JSON.stringify(valid, null, 2)}\n`);
}
