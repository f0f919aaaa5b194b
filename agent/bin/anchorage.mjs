#!/usr/bin/env node
// The agent runs its TypeScript directly with Node's type stripping (Node ≥ 22.18, on by default
// there), no build step. An older Node would fail on the first .ts file with ERR_UNKNOWN_FILE_EXTENSION
// and no hint, so the version is checked before anything TypeScript is imported.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
  console.error(
    `anchorage: needs Node.js 22.18 or newer to run from source (this is ${process.version}); get it from https://nodejs.org, ` +
      "or run `npm install` in the repository and use `npx anchorage` there (it brings Node 22), " +
      "or install the single-file agent from your deployment: curl -fsSL <deployment>/install.sh | sh",
  );
  process.exit(1);
}
await import("../src/cli.ts");
