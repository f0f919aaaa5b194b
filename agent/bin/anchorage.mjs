#!/usr/bin/env node
// The agent runs its TypeScript directly with Node's type stripping (Node ≥ 22.18), no build step.
import "../src/cli.ts";
