import { parseArgs } from "node:util";
import { EXIT, run } from "./commands/run.ts";
import { readAgentVersion } from "./system-stats.ts";

// Each other command is imported when it runs, and `run` imports the agent only in the process
// that connects (issue 22): the keeper `anchorage run` leaves running loads little more than Node.

const usage = `anchorage ${readAgentVersion()} — anchor this machine to an Anchorage control plane

Usage:
  anchorage anchor <url> [--name N] [--token T | --email E --password P | --invite CODE | --email E --magic-link]
                         [--home DIR] [--force]
  anchorage run [--home DIR] [--supervised]
  anchorage status [--home DIR]
  anchorage update [--home DIR]
  anchorage service install [--home DIR] [--user | --system] [--dry-run]
  anchorage sync <src>:<path> <dst>:<path> [--delete] [--exclude GLOB]… [--dry-run] [--token T] [--home DIR]
  anchorage forward <instance> <name> [--port LOCAL] [--bind ADDR] [--token T] [--url URL | --home DIR]
  anchorage --version | --help

Without --token, --email or --invite, anchor signs in through the browser (a URL and a code to approve).
--invite CODE takes a 6-digit device code made in the dashboard; --magic-link sends a sign-in link to --email.
--home DIR holds config.yaml, credential.json and agent.log (default ~/.anchorage).
The password may also come from ANCHORAGE_PASSWORD, the token from ANCHORAGE_TOKEN.
update replaces this agent's file (the one install.sh put in ~/.anchorage/bin) with the one the server
it is anchored to serves, checked against its SHA-256; restart the agent afterwards to run it.

run keeps its PID across a restart (the dashboard's Restart runs the agent again as its child).
Under a supervisor (--supervised, ANCHORAGE_SUPERVISED=1, or a systemd service) a restart exits
with code 75 instead, for the supervisor to start it again. service install writes and enables a
systemd unit doing that (a user unit, or a system one as root or with --system); --dry-run prints it.

sync copies a folder of one instance to a folder of another (or the same): <src> and <dst> are an
instance id or name, or . (also: local) for this machine; a path on this machine may be relative.
It needs an API token of yours with read and sync on both instances (--token or ANCHORAGE_TOKEN):
this machine's own credential proves which instance it is, not who is asking, so it cannot start
a sync. The server is the one --home is anchored to. --dry-run lists what would be sent (+ new,
~ different, ! newer on the destination, - removed with --delete) and changes nothing. Progress
goes to stderr (a bar on a terminal); Ctrl-C cancels the sync. Exit: 0 done, 1 failed or
cancelled, 130 interrupted.

forward listens on a local port (--port, default any free one, printed; --bind, default 127.0.0.1)
and carries each TCP connection to it to the forward <name> of <instance>'s config.yaml
(forward: [{ name: ssh, target: 127.0.0.1:22 }]), e.g. then: ssh -p LOCAL user@127.0.0.1.
It needs proxy on the instance: an API token (--token or ANCHORAGE_TOKEN) or, without one, a
sign-in through the browser. The server is --url, or the one --home is anchored to.`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      home: { type: "string" },
      name: { type: "string" },
      token: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      invite: { type: "string" },
      "magic-link": { type: "boolean" },
      force: { type: "boolean" },
      delete: { type: "boolean" },
      exclude: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      port: { type: "string" },
      bind: { type: "string" },
      url: { type: "string" },
      supervised: { type: "boolean" },
      system: { type: "boolean" },
      user: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  if (values.version) return console.log(readAgentVersion()), 0;
  const [command, ...rest] = positionals;
  if (values.help || !command) return console.log(usage), 0;
  switch (command) {
    case "anchor": {
      if (rest.length !== 1) throw new UsageError("anchor needs the server URL, e.g. anchorage anchor http://127.0.0.1:8787");
      const { anchor } = await import("./commands/anchor.ts");
      await anchor({
        url: rest[0]!,
        name: values.name,
        token: values.token ?? process.env.ANCHORAGE_TOKEN,
        email: values.email,
        password: values.password ?? process.env.ANCHORAGE_PASSWORD,
        invite: values.invite,
        magicLink: values["magic-link"],
        home: values.home,
        force: values.force,
      });
      return 0;
    }
    case "run":
      return run({ home: values.home, supervised: values.supervised });
    case "status":
      return (await import("./commands/status.ts")).status({ home: values.home });
    case "update":
      return (await import("./commands/update.ts")).update({ home: values.home });
    case "service":
      if (rest[0] !== "install" || rest.length !== 1) throw new UsageError("service takes one action: anchorage service install [--home DIR] [--user | --system] [--dry-run]");
      return (await import("./commands/service.ts")).serviceInstall({ home: values.home, dryRun: values["dry-run"], system: values.system ? true : values.user ? false : undefined });
    case "sync": {
      if (rest.length !== 2) throw new UsageError("sync needs a source and a destination, e.g. anchorage sync .:./site web-1:/srv/site");
      const { sync } = await import("./commands/sync.ts");
      return sync({
        source: rest[0]!,
        destination: rest[1]!,
        home: values.home,
        token: values.token ?? process.env.ANCHORAGE_TOKEN,
        delete: values.delete ?? false,
        exclude: values.exclude ?? [],
        dryRun: values["dry-run"] ?? false,
      });
    }
    case "forward": {
      if (rest.length !== 2) throw new UsageError("forward needs an instance and a forward's name, e.g. anchorage forward web-1 ssh --port 2222");
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`--port must be 0 to 65535, got "${values.port}"`);
      const { forward } = await import("./commands/forward.ts");
      return forward({ instance: rest[0]!, name: rest[1]!, port, bind: values.bind ?? "127.0.0.1", token: values.token ?? process.env.ANCHORAGE_TOKEN, url: values.url, home: values.home });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    if (e instanceof UsageError) console.error(`anchorage: ${e.message}\n\n${usage}`);
    else console.error(`anchorage: ${e.message}`);
    // A ConfigError (config-file.ts) carries the code E-CONFIG.
    process.exit((e as { code?: string }).code === "E-CONFIG" ? EXIT.config : e instanceof UsageError || (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1);
  },
);
