import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitFile, git, makeWorkspace, type Workspace } from "./fixture.ts";

let ws: Workspace;
let remote: string;
let alice: string;
let bob: string;
beforeEach(async () => {
  ws = await makeWorkspace();
  remote = join(ws.base, "remote.git");
  git(ws.base, "init", "-q", "--bare", "-b", "main", remote);
  alice = join(ws.root, "alice");
  git(ws.base, "clone", "-q", remote, alice);
  git(alice, "switch", "-q", "-c", "main");
  commitFile(alice, "a.txt", "one\n", "first");
  git(alice, "push", "-q", "-u", "origin", "main");
  bob = join(ws.root, "bob");
  git(ws.base, "clone", "-q", remote, bob);
});
afterEach(() => ws.cleanup());

const stderr = (output: Workspace["output"]) => output.filter((o) => o.stream === "stderr").map((o) => o.data).join("");

describe("fetch, pull, push", () => {
  it("pushes a commit that a second clone then pulls, streaming git's output", async () => {
    const sha = commitFile(alice, "a.txt", "two\n", "second");
    const pushed = await ws.call({ op: "push", repo: alice });
    expect(pushed).toMatchObject({ exit_code: 0, timed_out: false });
    expect(stderr(ws.output)).toContain("main -> main");
    expect(git(remote, "rev-parse", "main").trim()).toBe(sha);

    const pulled = await ws.call({ op: "pull", repo: bob });
    expect(pulled.exit_code).toBe(0);
    expect(git(bob, "rev-parse", "HEAD").trim()).toBe(sha);
  });

  it("fetches, after which status counts the commits behind", async () => {
    commitFile(alice, "a.txt", "two\n");
    git(alice, "push", "-q");
    expect(await ws.call({ op: "fetch", repo: bob, remote: "origin" })).toMatchObject({ exit_code: 0 });
    expect(await ws.call({ op: "status", repo: bob })).toMatchObject({ upstream: "origin/main", ahead: 0, behind: 1 });
  });

  it("pushes a named branch to the remote", async () => {
    git(alice, "switch", "-q", "-c", "topic");
    const sha = commitFile(alice, "t.txt", "topic\n");
    git(alice, "switch", "-q", "main");
    expect(await ws.call({ op: "push", repo: alice, branch: "topic" })).toMatchObject({ exit_code: 0 });
    expect(git(remote, "rev-parse", "topic").trim()).toBe(sha);
  });

  it("answers a rejected push with its exit code instead of throwing", async () => {
    commitFile(bob, "a.txt", "bob\n");
    git(bob, "push", "-q");
    commitFile(alice, "a.txt", "alice\n");
    const pushed = await ws.call({ op: "push", repo: alice });
    expect(pushed.exit_code).not.toBe(0);
    expect(pushed.stderr_tail).toMatch(/rejected/);
  });

  it("pulls only fast-forwards", async () => {
    commitFile(bob, "b.txt", "bob\n");
    git(bob, "push", "-q");
    const before = commitFile(alice, "c.txt", "alice\n");
    const pulled = await ws.call({ op: "pull", repo: alice });
    expect(pulled.exit_code).not.toBe(0);
    expect(git(alice, "rev-parse", "HEAD").trim()).toBe(before); // no merge commit made
  });

  it("refuses a branch named +main, which a push would read as a forced push of main", async () => {
    const published = git(remote, "rev-parse", "main").trim();
    expect((await ws.refusal({ op: "branch-create", repo: alice, name: "+main" })).code).toBe("E-VALIDATION");
    expect((await ws.refusal({ op: "push", repo: alice, branch: "+main" })).code).toBe("E-VALIDATION");
    expect(git(remote, "rev-parse", "main").trim()).toBe(published);
  });

  it("tells git and its transport never to prompt for a password", async () => {
    // A stand-in for ssh that shows what it was given, then fails like a refused login.
    git(bob, "config", "core.sshCommand", 'echo "prompt=$GIT_TERMINAL_PROMPT" >&2; false');
    git(bob, "remote", "add", "private", "ssh://git@example.invalid/private.git");
    const fetched = await ws.call({ op: "fetch", repo: bob, remote: "private" });
    expect(fetched).toMatchObject({ timed_out: false });
    expect(fetched.exit_code).not.toBe(0);
    expect(fetched.stderr_tail).toContain("prompt=0");
  });
});
