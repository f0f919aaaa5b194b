import { defineConfig } from "vitest/config";

/**
 * Plain Node: the agent's unit tests (it runs on Node 22, not in workerd), and the dashboard's
 * pure logic (frontend/src modules with no DOM, such as the scope builder's model).
 */
export default defineConfig({
  test: {
    include: ["test/agent/**/*.test.ts", "test/frontend/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
  },
});
