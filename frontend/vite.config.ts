import { defineConfig } from "vite";
import { routeSizes } from "./route-sizes.ts";

// The Worker serves frontend/dist (wrangler.toml [assets]) on the same origin as the API.
export default defineConfig({
  // Each page's cost and the first load's, printed after the build (and the first load held to its budget).
  plugins: [routeSizes()],
  // Preact's automatic JSX runtime. Vite 8 transforms with Oxc; this is the
  // same setting as the older `esbuild: { jsx: "automatic", jsxImportSource: "preact" }`.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Print each file's gzip size after the build (the default, stated on purpose).
    reportCompressedSize: true,
    // The dashboard imports values from @anchorage/common only from its zod-free modules
    // (scope-paths, shareable-actions, oauth-labels), so zod is never shipped. (Marking "z" as a
    // pure function instead also matched minified functions named z in dependencies, and broke
    // the terminal.)

  },
});
