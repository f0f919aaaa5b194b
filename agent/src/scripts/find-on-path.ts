import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";

/**
 * Where `program` is on PATH (the first executable file of that name), or null. Found before the
 * script is written, so a missing interpreter is a clear error and not a half-run.
 */
export async function findOnPath(program: string, path = process.env.PATH ?? ""): Promise<string | null> {
  const exts = process.platform === "win32" ? (process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of path.split(delimiter)) {
    // An empty or relative PATH entry means the working directory: never where an interpreter is taken from.
    if (!dir || !isAbsolute(dir)) continue;
    for (const ext of exts) {
      const candidate = join(dir, program + ext);
      const info = await stat(candidate).catch(() => null);
      if (!info?.isFile()) continue;
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
  }
  return null;
}
