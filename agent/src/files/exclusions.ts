import picomatch from "picomatch";

/**
 * A matcher for exclusion globs (picomatch), read the way .gitignore reads them: a pattern
 * matches at any depth (`node_modules/**` also leaves out `packages/a/node_modules`, `*.log` any
 * log file), unless it starts with `/`, which anchors it to the scanned folder. A trailing `/`
 * means the folder and everything in it. Dotfiles match like any other name.
 * Paths are relative to the scanned folder, `/`-separated.
 */
export function excluder(patterns: readonly string[]): (relativePath: string) => boolean {
  const globs = patterns.flatMap((raw) => {
    const p = raw.endsWith("/") ? `${raw}**` : raw;
    if (p.startsWith("/")) return [p.slice(1)];
    return p.startsWith("**/") ? [p] : [p, `**/${p}`];
  });
  if (globs.length === 0) return () => false;
  return picomatch(globs, { dot: true });
}
