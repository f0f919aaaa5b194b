import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parsePorcelainV2 } from "../../../agent/src/git/git-status.ts";
import { gitFailure, runGit } from "../../../agent/src/git/run-git.ts";
import { RpcError } from "../../../agent/src/rpc-error.ts";
import { initRepo, makeWorkspace, rpcRejection, type Workspace } from "./fixture.ts";

let ws: Workspace;
let repo: string;
beforeEach(async () => {
  ws = await makeWorkspace();
  repo = initRepo(join(ws.root, "app"), { "a.txt": "a\n" });
});
afterEach(() => ws.cleanup());

const rejection = rpcRejection;

// A git alias starting with ! runs through the shell: the test's way to make git slow or loud.
const alias = (name: string, command: string) => ["-c", `alias.${name}=!${command}`, name];

describe("runGit", () => {
  it("stops git at the time limit", async () => {
    const started = Date.now();
    const err = await rejection(runGit(repo, alias("slow", "sleep 10"), { timeoutMs: 300 }));
    expect(err.code).toBe("E-TIMEOUT");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("stops git when the request is cancelled", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await rejection(runGit(repo, alias("slow", "sleep 10"), { signal: controller.signal }));
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("cuts output at maxBytes, never inside a character, when asked to", async () => {
    // "é" is two bytes: a cut at an odd byte count falls inside one.
    const out = await runGit(repo, alias("loud", "printf 'ééééé'"), { maxBytes: 5, truncate: true });
    expect(out).toMatchObject({ stdout: "éé", truncated: true });
  });

  it("refuses output past maxBytes when not asked to cut it", async () => {
    const err = await rejection(runGit(repo, alias("loud", "printf 'abcdefgh'"), { maxBytes: 4 }));
    expect(err.code).toBe("E-PAYLOAD-TOO-LARGE");
  });

  it("rejects with git's own message when git fails", async () => {
    const err = await rejection(runGit(repo, ["rev-parse", "--verify", "no-such-ref"]));
    expect(err).toMatchObject({ code: "E-VALIDATION", message: "fatal: Needed a single revision" });
  });

  it("answers an exit code it was told to expect", async () => {
    expect((await runGit(repo, ["diff", "--quiet"], { okExitCodes: [1] })).exitCode).toBe(0);
  });
});

describe("gitFailure", () => {
  it("calls a refusal caused by other work a conflict, anything else a bad request", () => {
    expect(gitFailure("error: The branch 'wip' is not fully merged.").code).toBe("E-CONFLICT");
    expect(gitFailure("error: Your local changes to the following files would be overwritten by checkout:").code).toBe("E-CONFLICT");
    expect(gitFailure(" ! [rejected]        main -> main (non-fast-forward)").code).toBe("E-CONFLICT");
    expect(gitFailure("fatal: a branch named 'x' already exists").code).toBe("E-VALIDATION");
  });

  it("bounds a long message", () => {
    expect(gitFailure("x".repeat(10_000)).message.length).toBeLessThanOrEqual(2_001);
  });
});

describe("parsePorcelainV2", () => {
  it("reads headers, renames with spaces, conflicts and untracked paths", () => {
    const sha = "1".repeat(40);
    const records = [
      `# branch.oid ${sha}`,
      "# branch.head feature/x",
      "# branch.upstream origin/feature/x",
      "# branch.ab +2 -3",
      `1 .M N... 100644 100644 100644 ${sha} ${sha} dir/with space.txt`,
      `2 R. N... 100644 100644 100644 ${sha} ${sha} R100 new name.txt`,
      "old name.txt",
      `u UU N... 100644 100644 100644 100644 ${sha} ${sha} ${sha} both changed.txt`,
      "? new dir/",
    ];
    expect(parsePorcelainV2(records.join("\0") + "\0")).toEqual({
      branch: "feature/x",
      head: sha,
      upstream: "origin/feature/x",
      ahead: 2,
      behind: 3,
      staged: [{ path: "new name.txt", status: "R", orig_path: "old name.txt" }],
      unstaged: [{ path: "dir/with space.txt", status: "M" }],
      untracked: ["new dir/"],
      conflicted: ["both changed.txt"],
    });
  });

  it("reads an unborn, detached state", () => {
    expect(parsePorcelainV2("# branch.oid (initial)\0# branch.head (detached)\0")).toMatchObject({ head: null, branch: null });
  });

  it("refuses output it does not understand rather than guessing", () => {
    expect(() => parsePorcelainV2("Z what\0")).toThrow(RpcError);
  });
});
