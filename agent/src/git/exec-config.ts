import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { RpcError } from "../rpc-error.ts";
import { runGit } from "./run-git.ts";

/**
 * Config keys that make git start a program, or that point git at config or a work tree nobody
 * checked. A repository whose own config (local or worktree scope, and what it includes, and the
 * config of its submodules) sets one of them is refused to a principal without `command:` on the
 * instance (security issue 19): whoever can write `.git/config` could otherwise run any program as
 * the agent's user through `git status`. Trusted callers (the owner, a share with `command`) could
 * run that program anyway, and keep today's git.
 *
 * Keys as `git config --list` prints them (section and name in lower case); `*` stands for one or
 * more characters, so `credential.*.helper` is every URL's helper. Matching too much only refuses.
 * Not listed: `alias.*` (an alias never shadows a built-in command, and the agent runs only
 * built-ins), and keys only git's protected config honours (`safe.*`, `uploadpack.packobjectshook`
 * is listed anyway).
 */
export const EXEC_CONFIG_KEYS: readonly string[] = [
  // core: programs git runs on its own
  "core.fsmonitor", // run on every status, diff, add, commit
  "core.hookspath", // hooks from anywhere, e.g. a folder in the work tree
  "core.sshcommand",
  "core.gitproxy",
  "core.pager",
  "core.editor",
  "core.askpass",
  "core.alternaterefscommand",
  "core.worktree", // makes a folder without .git the work tree of this config
  "sequence.editor",
  "pager.*",
  // diff, merge and their tools
  "diff.external",
  "diff.*.textconv",
  "diff.*.command",
  "difftool.*.cmd",
  "difftool.*.path",
  "merge.*.driver",
  "mergetool.*.cmd",
  "mergetool.*.path",
  "interactive.difffilter",
  // filters run on checkout, add, status (a racy index entry is hashed through clean)
  "filter.*.process",
  "filter.*.clean",
  "filter.*.smudge",
  // credentials and signing
  "credential.helper",
  "credential.*.helper",
  "gpg.program",
  "gpg.*.program",
  "gpg.ssh.defaultkeycommand",
  // transports and remotes
  "remote.*.uploadpack",
  "remote.*.receivepack",
  "remote.*.vcs", // runs git-remote-<vcs>
  "protocol.allow",
  "protocol.*.allow", // protocol.ext.allow=always turns a remote URL into a command
  "uploadpack.packobjectshook",
  "submodule.*.update", // "!command"
  // config-based hooks (git 2.46+) and other commands
  "hook.*",
  "trailer.*.command",
  "trailer.*.cmd",
  "sendemail.*",
  "imap.tunnel",
  "browser.*.cmd",
  "browser.*.path",
  "man.*.cmd",
  "man.*.path",
  "guitool.*.cmd",
  // An included file may lie outside .git, where a sharee can write it between this check and git's run.
  "include.path",
  "includeif.*",
];

/** In a submodule's own git directory core.worktree is how git finds its work tree, not a redirection. */
const SUBMODULE_ALLOWED = new Set(["core.worktree"]);
/** Submodules inside submodules are followed this deep, and no further (a refusal, not a pass). */
const MAX_MODULE_DEPTH = 8;

const matchers = EXEC_CONFIG_KEYS.map((key) => new RegExp(`^${key.split("*").map(escapeRegExp).join(".+")}$`));

/** Whether `key` (as git config --list prints it) is one of EXEC_CONFIG_KEYS. */
export function isExecConfigKey(key: string): boolean {
  const lower = key.toLowerCase();
  return matchers.some((m) => m.test(lower));
}

/**
 * Refuses the repository at `top` (E-AUTH-FORBID, naming the key and where it is set) when its own
 * config or a submodule's sets an exec-capable key. Global and system config are the machine
 * owner's, and not the repository's: they are not judged.
 */
export async function refuseExecConfig(top: string, repo: string, signal?: AbortSignal): Promise<void> {
  // --includes: what include.path and includeIf bring in is judged as the scope that includes it.
  const listed = await runGit(top, ["config", "--list", "--show-scope", "-z", "--includes"], { readOnly: true, signal });
  const fields = listed.stdout.split("\0");
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const scope = fields[i]!;
    const key = keyOf(fields[i + 1]!);
    if ((scope === "local" || scope === "worktree") && isExecConfigKey(key)) throw refusal(repo, key, `its ${scope} config`);
  }
  const commonDir = (await runGit(top, ["rev-parse", "--path-format=absolute", "--git-common-dir"], { readOnly: true, signal })).stdout.trim();
  await refuseModules(join(commonDir, "modules"), repo, 0, signal);
}

/** Every git directory of a submodule under `dir` (names may hold `/`: modules/libs/a), and theirs. */
async function refuseModules(dir: string, repo: string, depth: number, signal?: AbortSignal): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
    throw err;
  });
  if (entries === undefined) return;
  if (depth > MAX_MODULE_DEPTH) throw new RpcError("E-AUTH-FORBID", `${repo}: submodules nested deeper than ${MAX_MODULE_DEPTH} are not checked; only someone who may run commands on this instance may use git here`);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (await isGitDir(path)) {
      const out = await runGit(path, ["config", "--file", join(path, "config"), "--list", "-z", "--includes"], { readOnly: true, signal });
      for (const field of out.stdout.split("\0")) {
        const key = keyOf(field);
        if (key !== "" && isExecConfigKey(key) && !SUBMODULE_ALLOWED.has(key.toLowerCase())) throw refusal(repo, key, `the config of submodule ${entry.name}`);
      }
      await refuseModules(join(path, "modules"), repo, depth + 1, signal);
    } else {
      await refuseModules(path, repo, depth + 1, signal);
    }
  }
}

async function isGitDir(path: string): Promise<boolean> {
  const [head, config] = await Promise.all([stat(join(path, "HEAD")).catch(() => undefined), stat(join(path, "config")).catch(() => undefined)]);
  return head?.isFile() === true && config?.isFile() === true;
}

/** `-z` prints `key\nvalue`, or just `key` for a key without a value. */
const keyOf = (entry: string) => entry.split("\n", 1)[0]!;

function refusal(repo: string, key: string, where: string): RpcError {
  return new RpcError(
    "E-AUTH-FORBID",
    `${repo}: ${where} sets ${key}, which makes git run a program; only someone who may run commands on this instance may use git on this repository`,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
