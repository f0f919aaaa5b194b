import { describe, expect, it } from "vitest";
import { excluder } from "../../../agent/src/files/exclusions.ts";

describe("exclusion globs", () => {
  const defaults = excluder(["node_modules/**", ".git/**"]);

  it("leave out node_modules and .git at any depth, the folders themselves included", () => {
    for (const p of ["node_modules", "node_modules/x/index.js", "packages/a/node_modules", "packages/a/node_modules/b/c.js", ".git", ".git/HEAD", "sub/.git/config"]) {
      expect(defaults(p), p).toBe(true);
    }
    for (const p of ["src/index.ts", "node_modules_backup/a", "my.git/x", ".gitignore", "docs/node_modules.md"]) {
      expect(defaults(p), p).toBe(false);
    }
  });

  it("are real globs: wildcards, braces and dotfiles", () => {
    const m = excluder(["*.log", "build/", "**/*.{tmp,bak}"]);
    expect(m("app.log")).toBe(true);
    expect(m("deep/in/side.log")).toBe(true);
    expect(m("build")).toBe(true);
    expect(m("pkg/build/out.js")).toBe(true);
    expect(m(".cache/x.tmp")).toBe(true);
    expect(m("a.bak")).toBe(true);
    expect(m("app.log.txt")).toBe(false);
    expect(m("builder/x")).toBe(false);
  });

  it("anchors a pattern that starts with / to the scanned folder", () => {
    const m = excluder(["/dist/**"]);
    expect(m("dist/a.js")).toBe(true);
    expect(m("pkg/dist/a.js")).toBe(false);
  });

  it("excludes nothing without patterns", () => {
    expect(excluder([])("node_modules/x")).toBe(false);
  });
});
