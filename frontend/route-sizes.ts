import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

/**
 * After a build, prints what each page costs to open (its chunk and the chunks only it pulls in,
 * gzipped) and what the first load costs (the entry and everything it imports statically: the
 * sign-in form and the Instances page), and fails the build when the first load exceeds the
 * budget issue 21 sets. Pages are the lazy modules under src/pages/, src/files/ and src/metrics/.
 */
const FIRST_LOAD_BUDGET = 150 * 1024;

interface ChunkInfo {
  code: string;
  imports: string[];
  facade: string | null;
  isEntry: boolean;
}

export function routeSizes(): Plugin {
  return {
    name: "anchorage-route-sizes",
    apply: "build",
    generateBundle(_options, bundle) {
      const chunks = new Map<string, ChunkInfo>();
      const css = new Map<string, number>();
      for (const [file, out] of Object.entries(bundle)) {
        if (out.type === "chunk") chunks.set(file, { code: out.code, imports: out.imports, facade: out.facadeModuleId, isEntry: out.isEntry });
        else if (file.endsWith(".css")) css.set(file, gzipSync(String(out.source)).length);
      }
      const gz = new Map([...chunks].map(([f, c]) => [f, gzipSync(c.code).length]));
      const closure = (file: string, seen = new Set<string>()) => {
        if (seen.has(file)) return seen;
        seen.add(file);
        for (const i of chunks.get(file)?.imports ?? []) closure(i, seen);
        return seen;
      };
      const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + (gz.get(f) ?? 0), 0);
      const entry = [...chunks].find(([, c]) => c.isEntry)?.[0];
      if (!entry) return;
      const first = closure(entry);
      const firstLoad = sum(first) + [...css.values()].reduce((a, b) => a + b, 0);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
      const rows = [...chunks]
        .filter(([, c]) => c.facade && /\/src\/(pages|files|metrics)\//.test(c.facade))
        .map(([file, c]) => {
          const own = [...closure(file)].filter((f) => !first.has(f));
          return { page: c.facade!.replace(/^.*\/src\//, ""), size: sum(own), file };
        })
        .sort((a, b) => a.page.localeCompare(b.page));
      const lines = [
        "",
        "Route chunks (gzip; a page's own chunks beyond the first load):",
        ...rows.map((r) => `  ${r.page.padEnd(44)} ${kb(r.size).padStart(9)}`),
        `  ${"first load (sign-in + Instances, JS + CSS)".padEnd(44)} ${kb(firstLoad).padStart(9)}  (budget ${kb(FIRST_LOAD_BUDGET)})`,
        "",
      ];
      this.info(lines.join("\n"));
      if (firstLoad > FIRST_LOAD_BUDGET) this.error(`the first load is ${kb(firstLoad)} gzipped, over its ${kb(FIRST_LOAD_BUDGET)} budget (frontend/route-sizes.ts)`);
    },
  };
}
