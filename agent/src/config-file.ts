import { readFile } from "node:fs/promises";
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import { agentConfigSchema, type AgentConfig } from "@anchorage/common/agent-config";

/** One problem in the config file, located where the reader should look. */
export interface ConfigProblem {
  line: number; // 1-based
  column: number; // 1-based
  reason: string; // e.g. `commands.0.argv: needs at least the program`
}

/**
 * The config file is wrong. The message lists every problem as `<file>:<line>:<col>: <reason>`,
 * one a line, so `anchorage run` can refuse to start with something the user can act on.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "E-CONFIG";
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super(sorted.map((p) => `${file}:${p.line}:${p.column}: ${p.reason}`).join("\n"));
    this.file = file;
    this.problems = sorted;
  }
}

/** Reads, parses and validates `<home>/config.yaml`; throws ConfigError naming the line of every problem. */
export async function loadConfig(path: string): Promise<AgentConfig> {
  let source: string;
  try {
    source = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "not found (`anchorage anchor` writes it)" : `cannot be read (${code ?? String(err)})`;
    throw new ConfigError(path, [{ line: 1, column: 1, reason }]);
  }
  return parseConfig(source, path);
}

/** Parses and validates config text; `file` only names it in errors. */
export function parseConfig(source: string, file: string): AgentConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  // Syntax first: warnings too (an unresolved tag, a bad directive), since a config that
  // means something other than what it looks like is worse than one that is refused.
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0) {
    throw new ConfigError(
      file,
      syntax.map((e) => ({
        line: e.linePos?.[0].line ?? 1,
        column: e.linePos?.[0].col ?? 1,
        // yaml appends " at line L, column C:" and a code excerpt; we give the position ourselves.
        reason: e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, ""),
      })),
    );
  }

  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    // e.g. an alias to an anchor that is not defined yet
    throw new ConfigError(file, [{ line: 1, column: 1, reason: (err as Error).message }]);
  }
  if (value === null || value === undefined) {
    throw new ConfigError(file, [{ line: 1, column: 1, reason: "the file is empty; it needs at least `name:`" }]);
  }

  const result = agentConfigSchema.safeParse(value);
  if (result.success) return result.data;

  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    const prefix = path.length > 0 ? `${path.join(".")}: ` : "";
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push({ ...at(locate(doc, [...path, key], "key")), reason: `${prefix}unknown key "${key}"` });
      }
      continue;
    }
    problems.push({ ...at(locate(doc, path, "value")), reason: prefix + describe(issue.message) });
  }
  throw new ConfigError(file, problems);
}

function describe(message: string): string {
  if (/received undefined$/.test(message)) return "required";
  return message.replace(/^Invalid input: /, "");
}

/**
 * Offset in the source of the node at `path`, or of the deepest ancestor that exists
 * (a missing key is reported at the mapping that lacks it). `want: "key"` points at the
 * key of the last segment rather than its value.
 */
function locate(doc: Document, path: string[], want: "key" | "value"): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
      if (!pair) return offset;
      const keyStart = rangeStart(pair.key);
      const valueStart = rangeStart(pair.value);
      // `commands:` with nothing after it has an empty null value: point at the key instead.
      const emptyValue = isScalar(pair.value) && pair.value.value === null && pair.value.source === "";
      if (last && want === "key") return keyStart ?? offset;
      offset = (emptyValue ? keyStart : valueStart) ?? keyStart ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return offset;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return (node as YamlNode | null | undefined)?.range?.[0];
}

/** A commented config.yaml with the defaults, as `anchorage anchor` writes it; loadConfig accepts it. */
export function defaultConfigYaml(name: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63)
      .replace(/-+$/, "") || "my-app";
  // JSON strings are valid YAML double-quoted scalars, so any name survives quoting.
  return `# Anchorage agent configuration. Unknown keys are errors: the agent refuses to start
# when this file is wrong and says which line and why.

name: ${JSON.stringify(name)}   # shown in the dashboard

# The local app to reach through the control plane (optional):
# proxy:
#   slug: ${slug.length >= 2 ? slug : "my-app"}   # unique; /p/<slug>/… and <slug>.<PROXY_DOMAIN>
#   target: http://127.0.0.1:3000   # the local app
#   access: users   # users (signed in, with proxy: permission) | public | { allow: [rules] } (docs/proxy.md)
#   relays: 1       # 1-8 sockets for its traffic; more for a very busy app (about 1,000 requests/s each)

# Custom commands, run as argv, never through a shell. Built in: restart, update, git-pull.
commands: []
# commands:
#   - { name: disk, argv: [df, -h] }
#   - { name: migrate, argv: [npm, run, migrate], cwd: /srv/app, timeout_seconds: 600 }

# The only folders git, browse, sync and the terminal's cwd use, e.g. [/srv/app]
roots: []

# Files to tail, e.g. [/var/log/app.log]
logs: []

terminal:
  # shell: /bin/bash   # default: the user's login shell
  record: true          # sessions recorded (output only) for the owner and admins
  grace_seconds: 300    # a shell outlives its dropped browser this long, to be reattached
  idle_seconds: 0       # end a session with no input or output this long (0: never)
  max_seconds: 0        # end any session older than this (0: no limit)

sync:
  exclude: ["node_modules/**", ".git/**"]
`;
}

export const REDACTED = "[redacted]";

// Names that mark a value as secret: --password=…, API_TOKEN=…, --token <value>, X-Api-Key: ….
const SECRET_NAME = /(pass|secret|token|key|credential|auth(?!ors?\b))/i;
const FLAG_OR_VAR = /^(-{0,2}[A-Za-z_][\w.-]*)=/s;
const HEADER = /^([A-Za-z][\w-]*)\s*:\s*\S/;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/**
 * The config as the dashboard may see it (the hello message, `GET …/config`): credentials in
 * command arguments and in the proxy target's userinfo become "[redacted]". The result still
 * satisfies agentConfigSchema. Redaction errs on the side of hiding: a flag whose name looks
 * secret hides the next argument whatever it is.
 */
export function redactConfig(config: AgentConfig): AgentConfig {
  return {
    ...config,
    proxy: config.proxy && { ...config.proxy, target: redactUrls(config.proxy.target) },
    commands: config.commands.map((c) => ({ ...c, argv: redactArgv(c.argv) })),
  };
}

/** argv with secrets replaced; exported for logging a command line before it runs. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext) {
      out.push(REDACTED);
      hideNext = false;
      continue;
    }
    const assignment = FLAG_OR_VAR.exec(arg);
    const header = HEADER.exec(arg);
    if (assignment && SECRET_NAME.test(assignment[1]!)) {
      out.push(`${assignment[1]}=${REDACTED}`);
    } else if (header && (SECRET_NAME.test(header[1]!) || /^cookie$/i.test(header[1]!))) {
      out.push(`${header[1]}: ${REDACTED}`);
    } else if (/^-{1,2}[A-Za-z]/.test(arg) && !arg.includes("=") && SECRET_NAME.test(arg)) {
      out.push(arg);
      hideNext = true;
    } else {
      out.push(redactUrls(arg));
    }
  }
  return out;
}

function redactUrls(text: string): string {
  return text.replace(URL_USERINFO, `$1${REDACTED}@`);
}
