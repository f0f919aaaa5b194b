#!/usr/bin/env node
// The Anchorage agent's command line. Anchoring (anchor, run, status) is not built yet:
// this package exists so the workspace layout, the bin name and the install are in place.
// See the README, "What is not built yet".
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const [command] = process.argv.slice(2);

const usage = `anchorage ${pkg.version}

Usage:
  anchorage anchor <url> [--name N] [--token T | --email E --password P]   (not built yet)
  anchorage run                                                             (not built yet)
  anchorage status                                                          (not built yet)
  anchorage --version | --help`;

if (command === "--version" || command === "-v") {
  console.log(pkg.version);
} else if (!command || command === "--help" || command === "-h") {
  console.log(usage);
} else if (["anchor", "run", "status"].includes(command)) {
  console.error(`anchorage ${command}: not built yet in this version (see the README, "What is not built yet")`);
  process.exit(2);
} else {
  console.error(`anchorage: unknown command "${command}"\n\n${usage}`);
  process.exit(2);
}
