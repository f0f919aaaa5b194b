import { z } from "zod";
import { tagsSchema } from "./fleet.ts";
import { forwardNameSchema, forwardTargetSchema } from "./protocol/forward.ts";
import { proxyAccessSchema } from "./proxy-access.ts";

/**
 * The agent's `<home>/config.yaml` (DESIGN.md, Contracts). Strict: an unknown key
 * is an error, so a typo never silently disables something.
 */
export const slugSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and inner hyphens only");

/**
 * A host name a proxy answers on besides its slug's (`proxy.hostnames`): a DNS name of at least two
 * labels, lower-cased, claimed by one user at a time (docs/proxy.md, "Own hostnames").
 */
export const proxyHostnameSchema = z
  .string()
  .max(253)
  .transform((s) => s.trim().toLowerCase().replace(/\.$/, ""))
  .refine((s) => /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(s), "must be a host name like app.example.com");

/** At most this many own hostnames per proxy. */
export const MAX_PROXY_HOSTNAMES = 20;

const absolutePath = z.string().min(1).refine((p) => p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p), "must be an absolute path");

export const commandNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "lowercase letters, digits, - and _ (max 40)");

/** At most this many sockets carry one proxy's traffic (one Durable Object each). */
export const MAX_PROXY_RELAYS = 8;

/** Names of the commands every agent offers besides its config's own. */
export const builtinCommands = ["restart", "update", "git-pull"] as const;

export const customCommandSchema = z.strictObject({
  name: commandNameSchema,
  argv: z.array(z.string().min(1)).min(1, "needs at least the program"),
  cwd: absolutePath.optional(),
  timeout_seconds: z.number().int().min(1).max(3600).optional(),
});

export const agentConfigSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  proxy: z
    .strictObject({
      slug: slugSchema,
      target: z.url().refine((u) => /^https?:\/\//.test(u), "must be an http:// or https:// URL"),
      /** Who may reach the app: `users` (signed-in, with proxy permission), `public`, or `{ allow: [rules] }` (proxy-access.ts). */
      access: proxyAccessSchema.default("users"),
      /** Host names this app also answers on (a Workers custom domain or Cloudflare for SaaS in production). */
      hostnames: z
        .array(proxyHostnameSchema)
        .max(MAX_PROXY_HOSTNAMES)
        .default([])
        .refine((h) => new Set(h).size === h.length, "a host name is listed twice"),
      /**
       * Sockets the proxy's traffic spreads over: the agent's own plus `relays - 1` more, each to
       * its own relay object, for apps busier than one Durable Object carries (docs/proxy.md).
       */
      relays: z.number().int().min(1).max(MAX_PROXY_RELAYS).default(1),
      /**
       * The Host the app sees: `target` (default) the target's own host, with an Origin equal to the
       * visitor-facing origin rewritten to the target's, so apps that compare the two (Jupyter,
       * Tornado) accept their own page; `visitor` the host the visitor used (nginx's
       * `proxy_set_header Host $host`), Origin unchanged.
       */
      host_header: z.enum(["target", "visitor"]).default("target"),
      /**
       * The path form passes the path unchanged (`/p/<slug>/x` rather than `/x`) for an app
       * configured with that base path (`vite --base /p/<slug>/`); its Location headers and cookie
       * paths are then left as it sets them (a cookie path outside the prefix still goes under it).
       */
      keep_prefix: z.boolean().default(false),
    })
    .optional(),
  commands: z
    .array(customCommandSchema)
    .default([])
    .superRefine((commands, ctx) => {
      const seen = new Set<string>();
      commands.forEach((c, i) => {
        if ((builtinCommands as readonly string[]).includes(c.name)) {
          ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${c.name}" is a builtin command; choose another name` });
        } else if (seen.has(c.name)) {
          ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${c.name}" is defined twice` });
        }
        seen.add(c.name);
      });
    }),
  /** Tags this machine declares (beside those its owner sets through the API): runs, schedules and alerts target them. */
  tags: tagsSchema.default([]),
  /** Run scripts from the script library (`POST /api/cloud/runs {"script"}`). Off by default: a script is arbitrary code. */
  scripts: z.boolean().default(false),
  /**
   * TCP services on this machine (or its network) that `anchorage forward` may reach through the
   * instance's socket, by name: only these, never a target the server names (docs/proxy.md, "TCP forwarding").
   */
  forward: z
    .array(z.strictObject({ name: forwardNameSchema, target: forwardTargetSchema }))
    .default([])
    .superRefine((forwards, ctx) => {
      const seen = new Set<string>();
      forwards.forEach((f, i) => {
        if (seen.has(f.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${f.name}" is defined twice` });
        seen.add(f.name);
      });
    }),
  roots: z.array(absolutePath).default([]),
  logs: z.array(absolutePath).default([]),
  terminal: z
    .strictObject({
      shell: absolutePath.optional(),
      /** Sessions are recorded (asciicast v2, output only: keystrokes may be passwords) to R2. */
      record: z.boolean().default(true),
      /** How long a shell outlives its dropped browser, waiting to be reattached. */
      grace_seconds: z.number().int().min(0).max(86_400).default(300),
      /** A session with no input and no output this long is ended; 0: never. */
      idle_seconds: z.number().int().min(0).max(7 * 86_400).default(0),
      /** No session lives longer than this; 0: no limit. */
      max_seconds: z.number().int().min(0).max(30 * 86_400).default(0),
    })
    .default({ record: true, grace_seconds: 300, idle_seconds: 0, max_seconds: 0 }),
  sync: z
    .strictObject({
      exclude: z.array(z.string().min(1)).default(["node_modules/**", ".git/**"]),
      /** Backups of overwritten or deleted files (`<root>/.anchorage-backups/`) older than this are deleted (unset: 30); 0: kept for ever. */
      backup_days: z.number().int().min(0).max(3650).optional(),
    })
    .default({ exclude: ["node_modules/**", ".git/**"] }),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

