import { appendFileSync } from "node:fs";

/**
 * The agent's own log: to stderr for whoever runs it, and to `<home>/agent.log`,
 * which the agent tails like any configured log so it shows in the dashboard.
 * Never given a secret (tokens, passwords, keys).
 */
export function createLogger(file: string | null) {
  const write = (level: string, message: string) => {
    const line = `${new Date().toISOString()} ${level} ${message}`;
    process.stderr.write(line + "\n");
    if (file) {
      try {
        appendFileSync(file, line + "\n", { mode: 0o600 });
      } catch {
        /* the log file is a convenience; never fail because of it */
      }
    }
  };
  return {
    info: (m: string) => write("info", m),
    warn: (m: string) => write("warn", m),
    error: (m: string) => write("error", m),
  };
}
export type Logger = ReturnType<typeof createLogger>;
