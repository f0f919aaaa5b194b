import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Credential, ensureHome, homePaths, readCredential, writeCredential, writePrivateFile } from "../../agent/src/home.ts";

const posix = process.platform !== "win32";
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "anchorage-home-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const mode = async (path: string) => (await stat(path)).mode & 0o777;

const credential: Credential = {
  instance_id: "ins_123",
  url: "https://anchorage.example.com",
  private_jwk: { kty: "EC", crv: "P-256", x: "x", y: "y", d: "d" },
  public_jwk: { kty: "EC", crv: "P-256", x: "x", y: "y" },
  anchored_at: "2025-01-02T03:04:05.000Z",
};

describe("homePaths", () => {
  it("names the home's files, defaulting to ~/.anchorage and expanding ~", () => {
    expect(homePaths("/srv/agent")).toEqual({
      dir: "/srv/agent",
      config: "/srv/agent/config.yaml",
      credential: "/srv/agent/credential.json",
      log: "/srv/agent/agent.log",
    });
    expect(homePaths().dir).toBe(join(os.homedir(), ".anchorage"));
    expect(homePaths("~/x").config).toBe(join(os.homedir(), "x", "config.yaml"));
  });
});

describe.runIf(posix)("ensureHome", () => {
  it("creates the directory with mode 0700", async () => {
    const home = join(dir, "a", ".anchorage");
    await ensureHome(home);
    expect(await mode(home)).toBe(0o700);
  });

  it("closes an existing directory that was open to others", async () => {
    const home = join(dir, "open");
    await mkdir(home, { mode: 0o755 });
    await ensureHome(home);
    expect(await mode(home)).toBe(0o700);
  });
});

describe("writePrivateFile", () => {
  it.runIf(posix)("writes with mode 0600, even over a world-readable file", async () => {
    const file = join(dir, "secret.json");
    await writeFile(file, "old", { mode: 0o644 });
    await writePrivateFile(file, "new");
    expect(await readFile(file, "utf8")).toBe("new");
    expect(await mode(file)).toBe(0o600);
  });

  it("leaves no temp file behind", async () => {
    await writePrivateFile(join(dir, "a.json"), "1");
    await writePrivateFile(join(dir, "a.json"), "2");
    expect(await readdir(dir)).toEqual(["a.json"]);
  });

  it("leaves the old file whole and no temp file when the write fails", async () => {
    const file = join(dir, "a.json");
    await writePrivateFile(file, "old");
    await mkdir(join(dir, "target-is-dir"));
    await expect(writePrivateFile(join(dir, "target-is-dir"), "x")).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(["a.json", "target-is-dir"]);
    expect(await readFile(file, "utf8")).toBe("old");
  });
});

describe("credential", () => {
  it("round-trips through a private file", async () => {
    const file = join(dir, "credential.json");
    await writeCredential(file, credential);
    expect(await readCredential(file)).toEqual(credential);
    if (posix) expect(await mode(file)).toBe(0o600);
  });

  it("reads as null when the agent is not anchored yet", async () => {
    expect(await readCredential(join(dir, "credential.json"))).toBeNull();
  });

  it("refuses a damaged file, naming it and the field", async () => {
    const file = join(dir, "credential.json");
    await writeFile(file, "{not json");
    await expect(readCredential(file)).rejects.toThrow(`${file}: not valid JSON`);
    await writeFile(file, JSON.stringify({ ...credential, instance_id: "" }));
    await expect(readCredential(file)).rejects.toThrow(/credential\.json: invalid credential: instance_id: /);
  });

  it("refuses a private key where the public key goes, and a public key as the private one", async () => {
    const file = join(dir, "credential.json");
    await expect(writeCredential(file, { ...credential, public_jwk: credential.private_jwk })).rejects.toThrow(/public key/);
    await expect(writeCredential(file, { ...credential, private_jwk: credential.public_jwk })).rejects.toThrow(/private key/);
    expect(await readdir(dir)).toEqual([]);
  });
});
