import { defineConfig } from "vitest/config";

// End-to-end: the real local stack (`npm start` → wrangler dev → workerd), real HTTP, a real browser.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["./test/e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
