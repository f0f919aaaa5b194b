import { parseArgs } from "node:util";
import { ConfigError } from "./config-file.ts";
import { anchor } from "./commands/anchor.ts";
import { EXIT, run } from "./commands/run.ts";
import { status } from "./commands/status.ts";
import { readAgentVersion } from "./system-stats.ts";

const usage = `anchorage ${readAgentVersion()} — anchor this machine to an Anchorage control plane

Usage:
  anchorage anchor <url> [--name N] [--token T | --email E --password P | --invite CODE | --email E --magic-link]
                         [--home DIR] [--force]
  anchorage run [--home DIR]
  anchorage status [--home DIR]
  anchorage --version | --help

Without --token, --email or --invite, anchor signs in through the browser (a URL and a code to approve).
--invite CODE takes a 6-digit device code made in the dashboard; --magic-link sends a sign-in link to --email.
--home DIR holds config.yaml, credential.json and agent.log (default ~/.anchorage).
The password may also come from ANCHORAGE_PASSWORD, the token from ANCHORAGE_TOKEN.`;

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
      return run({ home: values.home });
    case "status":
      return status({ home: values.home });
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
    process.exit(e instanceof ConfigError ? EXIT.config : e instanceof UsageError || (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1);
  },
);
