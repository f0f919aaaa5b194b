import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { ScanCache } from "./scan-cache.ts";

/**
 * What file calls need from the agent: its config, and where its hash cache lives. Kept apart
 * from the calls (file-calls.ts), which the agent loads on the first file stream (issue 22).
 */
export class FileContext {
  readonly config: AgentConfig;
  private readonly home: string | undefined;
  private cache: Promise<ScanCache> | undefined;

  constructor(config: AgentConfig, home?: string) {
    this.config = config;
    this.home = home;
  }

  /** Where a sync's incoming chunks wait to be assembled: the agent's home, outside every root. */
  stagingRoot(): string {
    return join(this.home ?? join(tmpdir(), `anchorage-agent-${process.pid}`), "sync-staging");
  }

  /** One cache per agent process, loaded once, shared by concurrent scans. */
  scanCache(): Promise<ScanCache> {
    this.cache ??= import("./scan-cache.ts").then(({ ScanCache }) => (this.home ? ScanCache.inHome(this.home) : ScanCache.ephemeral()));
    return this.cache;
  }
}
