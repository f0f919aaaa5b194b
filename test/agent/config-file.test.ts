import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentConfigSchema, type AgentConfig } from "@anchorage/common/agent-config";
import { ConfigError, REDACTED, defaultConfigYaml, loadConfig, redactArgv, redactConfig } from "../../agent/src/config-file.ts";

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "anchorage-config-"));
  file = join(dir, "config.yaml");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function refusal(yaml: string): Promise<ConfigError> {
  await writeFile(file, yaml);
  const err = await loadConfig(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe("loadConfig", () => {
  it("reads a valid config and fills the defaults", async () => {
    await writeFile(file, "name: build-box\ncommands:\n  - { name: disk, argv: [df, -h] }\nroots: [/srv/app]\n");
    const config = await loadConfig(file);
    expect(config).toEqual({
      name: "build-box",
      commands: [{ name: "disk", argv: ["df", "-h"] }],
      tags: [],
      scripts: false,
      forward: [],
      roots: ["/srv/app"],
      logs: [],
      terminal: { record: true, grace_seconds: 300, idle_seconds: 0, max_seconds: 0 },
      sync: { exclude: ["node_modules/**", ".git/**"] },
    });
  });

  it("refuses an unknown top-level key, naming its line and column", async () => {
    const err = await refusal("name: box\ncommands: []\nprxy:\n  slug: box\n");
    expect(err.message).toBe(`${file}:3:1: unknown key "prxy"`);
    expect(err.problems).toEqual([{ line: 3, column: 1, reason: 'unknown key "prxy"' }]);
  });

  it("refuses an unknown nested key at the key's own position", async () => {
    const err = await refusal("name: box\ncommands:\n  - name: disk\n    argv: [df]\n    shell: true\n");
    expect(err.message).toBe(`${file}:5:5: commands.0: unknown key "shell"`);
  });

  it("refuses a wrong type at the value's line", async () => {
    const err = await refusal("name: box\nterminal:\n  shell: /bin/bash\n  record: yes please\n");
    expect(err.message).toMatch(new RegExp(`config\\.yaml:4:11: terminal\\.record: expected boolean, received string$`));
  });

  it("refuses an empty argv with the schema's reason", async () => {
    const err = await refusal("name: box\n\n\n\n\ncommands:\n  - name: disk\n    argv: []\n");
    expect(err.message).toMatch(/config\.yaml:8:11: commands\.0\.argv: needs at least the program$/);
  });

  it("refuses a missing name, pointing at the mapping", async () => {
    const err = await refusal("roots: []\n");
    expect(err.message).toMatch(/config\.yaml:1:1: name: required$/);
  });

  it("lists every problem, one a line, in file order", async () => {
    const err = await refusal("name: box\nlogs: [relative.log]\nprxy: 1\n");
    expect(err.message.split("\n")).toEqual([
      `${file}:2:8: logs.0: must be an absolute path`,
      `${file}:3:1: unknown key "prxy"`,
    ]);
  });

  it("refuses bad YAML syntax with line and column", async () => {
    const err = await refusal('name: box\ncommands:\n  - { name: disk, argv: [df, -h]\nroots: ["/srv\n');
    expect(err.problems.length).toBeGreaterThan(0);
    expect(err.message).toMatch(/config\.yaml:\d+:\d+: /);
    expect(err.message).not.toMatch(/at line \d+/); // position given once, in the prefix
  });

  it("refuses an unterminated quote at its line", async () => {
    const err = await refusal('name: box\nroots: []\nlogs: ["/var/log/x\n');
    expect(err.problems[0]!.line).toBe(4);
    expect(err.message.split("\n")[0]).toMatch(/config\.yaml:4:1: Missing closing "quote$/);
  });

  it("refuses a duplicate key", async () => {
    const err = await refusal("name: a\nroots: []\nname: b\n");
    expect(err.message).toMatch(/config\.yaml:3:1: Map keys must be unique$/);
  });

  it("refuses an empty file and a missing file", async () => {
    expect((await refusal("# nothing\n")).message).toMatch(/config\.yaml:1:1: the file is empty/);
    const missing = await loadConfig(join(dir, "nope.yaml")).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toMatch(/nope\.yaml:1:1: not found/);
  });

  it("refuses a proxy target that is not http(s)", async () => {
    const err = await refusal("name: box\nproxy:\n  slug: box\n  target: ftp://127.0.0.1/\n");
    expect(err.message).toMatch(/config\.yaml:4:11: proxy\.target: must be an http:\/\/ or https:\/\/ URL$/);
  });

  it("takes 1 to 8 proxy relays, and refuses more at the value's line", async () => {
    await writeFile(file, "name: box\nproxy:\n  slug: box\n  target: http://127.0.0.1:3000\n  relays: 8\n");
    expect((await loadConfig(file)).proxy?.relays).toBe(8);
    const err = await refusal("name: box\nproxy:\n  slug: box\n  target: http://127.0.0.1:3000\n  relays: 9\n");
    expect(err.problems[0]).toMatchObject({ line: 5 });
    expect(err.message).toMatch(/proxy\.relays/);
  });

  it("takes proxy.host_header target | visitor (default target) and proxy.keep_prefix (default false), and refuses anything else", async () => {
    await writeFile(file, "name: box\nproxy:\n  slug: box\n  target: http://127.0.0.1:3000\n  host_header: visitor\n  keep_prefix: true\n");
    expect((await loadConfig(file)).proxy).toMatchObject({ host_header: "visitor", keep_prefix: true });
    const err = await refusal("name: box\nproxy:\n  slug: box\n  target: http://127.0.0.1:3000\n  host_header: app\n  keep_prefix: yes please\n");
    expect(err.problems.map((p) => p.line)).toEqual([5, 6]);
    expect(err.message).toMatch(/proxy\.host_header/);
    expect(err.message).toMatch(/proxy\.keep_prefix/);
  });
});

describe("defaultConfigYaml", () => {
  it("round-trips: loadConfig accepts it and gets the defaults", async () => {
    await writeFile(file, defaultConfigYaml("build-box"));
    expect(await loadConfig(file)).toEqual({
      name: "build-box",
      commands: [],
      tags: [],
      scripts: false,
      forward: [],
      roots: [],
      logs: [],
      terminal: { record: true, grace_seconds: 300, idle_seconds: 0, max_seconds: 0 },
      sync: { exclude: ["node_modules/**", ".git/**"] },
    });
  });

  it("quotes a name with YAML-significant characters", async () => {
    const name = 'box: #1 "prod" - [eu]';
    await writeFile(file, defaultConfigYaml(name));
    expect((await loadConfig(file)).name).toBe(name);
  });

  it("carries a commented proxy example that is valid once uncommented", async () => {
    const yaml = defaultConfigYaml("Build Box!").replace(/^# (proxy:|  (slug|target|access):)/gm, "$1");
    await writeFile(file, yaml);
    expect((await loadConfig(file)).proxy).toEqual({ slug: "build-box", target: "http://127.0.0.1:3000", access: "users", hostnames: [], relays: 1, host_header: "target", keep_prefix: false });
  });
});

describe("redactConfig", () => {
  const base: AgentConfig = agentConfigSchema.parse({ name: "box" });

  it("hides secret flags, the value after a secret flag, secret variables and URL userinfo", () => {
    const config: AgentConfig = {
      ...base,
      proxy: { slug: "box", target: "http://admin:hunter2@127.0.0.1:3000/app", access: "users", hostnames: [], relays: 1, host_header: "target", keep_prefix: false },
      commands: [
        { name: "db", argv: ["psql", "--password=hunter2", "-h", "db"] },
        { name: "deploy", argv: ["deploy", "--token", "tok_123", "--verbose"] },
        { name: "env", argv: ["env", "API_KEY=abc", "DB_PASSWORD=pw", "MODE=prod", "client_secret=s"] },
        { name: "clone", argv: ["git", "clone", "https://user:ghp_x@github.com/o/r.git", "https://github.com/o/r.git"] },
        { name: "curl", argv: ["curl", "-H", "Authorization: Bearer abc", "-H", "Accept: text/plain"] },
        { name: "plain", argv: ["git", "commit", "--author", "Ada <ada@example.com>"] },
      ],
    };
    const red = redactConfig(config);
    const all = JSON.stringify(red);
    for (const secret of ["hunter2", "tok_123", "abc", "=pw", "ghp_x", "=s\""]) expect(all).not.toContain(secret);
    expect(red.proxy?.target).toBe(`http://${REDACTED}@127.0.0.1:3000/app`);
    expect(red.commands.map((c) => c.argv)).toEqual([
      ["psql", `--password=${REDACTED}`, "-h", "db"],
      ["deploy", "--token", REDACTED, "--verbose"],
      ["env", `API_KEY=${REDACTED}`, `DB_PASSWORD=${REDACTED}`, "MODE=prod", `client_secret=${REDACTED}`],
      ["git", "clone", `https://${REDACTED}@github.com/o/r.git`, "https://github.com/o/r.git"],
      ["curl", "-H", `Authorization: ${REDACTED}`, "-H", "Accept: text/plain"],
      ["git", "commit", "--author", "Ada <ada@example.com>"],
    ]);
  });

  it("keeps the redacted config valid for the hello message and leaves the original alone", () => {
    const config: AgentConfig = {
      ...base,
      proxy: { slug: "box", target: "https://u:p@example.com", access: "public", hostnames: [], relays: 3, host_header: "visitor", keep_prefix: true },
      commands: [{ name: "x", argv: ["x", "--secret", "s"] }],
    };
    const red = redactConfig(config);
    expect(agentConfigSchema.safeParse(red).success).toBe(true);
    expect(config.commands[0]!.argv).toEqual(["x", "--secret", "s"]);
    expect(config.proxy!.target).toBe("https://u:p@example.com");
  });

  it("redacts a secret flag's value even when it is last-but-one or looks like a flag", () => {
    expect(redactArgv(["tool", "--api-key", "--weird-secret-value"])).toEqual(["tool", "--api-key", REDACTED]);
    expect(redactArgv(["tool", "--password"])).toEqual(["tool", "--password"]);
  });
});
