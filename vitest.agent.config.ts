import { defineConfig } from "vitest/config";

/** The agent's unit tests: plain Node (the agent runs on Node 22, not in workerd). */
export default defineConfig({
  test: {
    include: ["test/agent/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
  },
});
