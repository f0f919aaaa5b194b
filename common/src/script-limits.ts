/** The script library's names and limits, without zod (the dashboard imports these; scripts.ts holds the schemas). */

/** The programs a script may be run with: `[interpreter, file, ...args]` on the agent, found on its PATH. */
export const scriptInterpreters = ["sh", "bash", "python3"] as const;
export type ScriptInterpreter = (typeof scriptInterpreters)[number];

/**
 * A body's largest size in UTF-8 bytes. The body travels to the agent in one control message,
 * which either side caps at 256 KiB (MAX_CONTROL_BYTES): half of that leaves room for JSON escapes
 * and the arguments.
 */
export const MAX_SCRIPT_BYTES = 128 * 1024;
export const MAX_SCRIPT_NAME = 100;
export const MAX_SCRIPT_ARGS = 64;
export const MAX_SCRIPT_ARG_LENGTH = 4096;
/** A user's scripts, and one script's versions, at most (what one account can store). */
export const MAX_SCRIPTS_PER_USER = 200;
export const MAX_SCRIPT_VERSIONS = 1000;

/** The action's label on the instance: `script <name>@v<n>`. */
export const scriptActionLabel = (name: string, version: number) => `script ${name}@v${version}`.slice(0, 200);
