// Set by scripts/build-agent.ts (esbuild `define`) in the single-file bundle; undeclared when the
// agent runs from this repository's TypeScript, where `typeof` of them is "undefined".
declare const ANCHORAGE_AGENT_VERSION: string | undefined;
declare const ANCHORAGE_BUNDLED: boolean | undefined;

/** The bundle's version, fixed at build time (it has no package.json beside it); undefined from source. */
export const bundledVersion: string | undefined = typeof ANCHORAGE_AGENT_VERSION === "string" ? ANCHORAGE_AGENT_VERSION : undefined;

/** Whether this agent is the downloaded single file (which `anchorage update` may replace) rather than a checkout. */
export const isBundle: boolean = typeof ANCHORAGE_BUNDLED === "boolean" && ANCHORAGE_BUNDLED;
