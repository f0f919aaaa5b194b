/**
 * One process of the benchmark's fleet: runs several agents with the agent's own
 * connection code (agent/src/connection.ts), each with its own key and instance.
 * Reads a JSON list of credentials from the file given as argv[2].
 */
import { readFileSync } from "node:fs";
import { createLogger } from "../../agent/src/agent-log.ts";
import { stayConnected } from "../../agent/src/connection.ts";
import type { Credential } from "../../agent/src/home.ts";

const creds = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Credential[];
const log = { ...createLogger(null), info: () => {} };
const stop = new AbortController();
process.on("SIGTERM", () => stop.abort());
const config = {
  name: "bench",
  commands: [{ name: "hi", argv: ["echo", "hi"] }],
  roots: [],
  logs: [],
  terminal: { record: false, grace_seconds: 300, idle_seconds: 0, max_seconds: 0 },
  sync: { exclude: [] },
  tags: [],
  scripts: false,
  forward: [],
};
await Promise.all(creds.map((credential) => stayConnected({ credential, config, log, ownLogFile: "/nonexistent/bench.log", signal: stop.signal })));
