import { defineConfig } from "vite";

// The Worker serves frontend/dist (wrangler.toml [assets]) on the same origin as the API.
export default defineConfig({
  // Preact's automatic JSX runtime. Vite 8 transforms with Oxc; this is the
  // same setting as the older `esbuild: { jsx: "automatic", jsxImportSource: "preact" }`.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Print each file's gzip size after the build (the default, stated on purpose).
    reportCompressedSize: true,
    // The dashboard imports plain functions from @anchorage/common (scope checks, the scope
    // catalog) whose modules also build zod schemas at load. Building a schema has no effect
    // outside it, so an unused one can go, and zod with it (~23 kB gzip otherwise).
    rolldownOptions: { treeshake: { manualPureFunctions: ["z"] } },
  },
});
