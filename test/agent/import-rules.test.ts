import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkImports, FOLDERS, formatReport, MAX_LINES, problemCount } from "../../scripts/check-imports.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A throwaway tree of source files, to show each rule refuses what it should. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "anchorage-imports-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("import rules (docs/running.md, issue 23)", () => {
  it(`hold in ${FOLDERS.join(", ")}: no import circle, no folder circle, no source file over ${MAX_LINES} lines`, () => {
    const report = checkImports(ROOT);
    // The message is the report: each circle file by file, each folder circle with an import per step.
    expect(problemCount(report), `\n${formatReport(report)}\n`).toBe(0);
  });

  it("find a circle of files, type-only, dynamic and through @anchorage/common included", () => {
    const report = checkImports(tree({
      "agent/src/a.ts": 'import type { B } from "./b.ts";\nexport type A = B;\n',
      "agent/src/b.ts": 'import { c } from "@anchorage/common/c";\nexport type B = string;\nexport const b = c;\n',
      "common/src/c.ts": 'export const c = 1;\nexport const later = () => import("../../agent/src/a.ts");\n',
      "agent/src/free.ts": 'import { b } from "./b.ts";\nexport const f = b;\n',
    }), ["agent", "common"]);
    expect(report.fileCycles).toEqual([["agent/src/a.ts", "agent/src/b.ts", "common/src/c.ts", "agent/src/a.ts"]]);
    expect(formatReport(report)).toContain("import circle: agent/src/a.ts → agent/src/b.ts → common/src/c.ts → agent/src/a.ts");
  });

  it("find a circle of folders with no circle of files, and name an import for each step", () => {
    const report = checkImports(tree({
      "src/env.ts": 'import { limiter } from "../durable-objects/limiter.ts";\nexport const env = limiter;\n',
      "durable-objects/limiter.ts": "export const limiter = 1;\n",
      "durable-objects/hub.ts": 'import type { Env } from "../src/types.ts";\nexport type Hub = Env;\n',
      "src/types.ts": "export type Env = {};\n",
    }), ["src", "durable-objects"]);
    expect(report.fileCycles).toEqual([]);
    expect(report.folderCycles).toEqual([{ folders: ["durable-objects", "src", "durable-objects"], via: ["durable-objects/hub.ts → src/types.ts", "src/env.ts → durable-objects/limiter.ts"] }]);
  });

  it(`find a source file over ${MAX_LINES} lines, and leave tests and builds alone`, () => {
    const long = Array.from({ length: MAX_LINES + 1 }, (_, i) => `export const x${i} = ${i};`).join("\n") + "\n";
    const exact = Array.from({ length: MAX_LINES }, (_, i) => `export const x${i} = ${i};`).join("\n") + "\n";
    const report = checkImports(tree({
      "frontend/src/big.tsx": long,
      "frontend/src/fits.ts": exact,
      "frontend/src/big.test.ts": long,
      "frontend/dist/bundle.mjs": long,
      "agent/bin/anchorage.mjs": long,
    }), ["frontend", "agent"]);
    expect(report.longFiles).toEqual([{ file: "frontend/src/big.tsx", lines: MAX_LINES + 1 }, { file: "agent/bin/anchorage.mjs", lines: MAX_LINES + 1 }]);
  });
});
