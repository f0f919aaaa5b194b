/** Absolute `/`-separated paths on an instance, and the Files tab's addresses. */

/** `folder` + `name` without a doubled slash. */
export const joinPath = (folder: string, name: string) => `${folder.replace(/\/+$/, "")}/${name}`;

export const parentOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";

export const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** Whether `path` is `root` or under it (a root written with a trailing slash included). */
export function isInside(path: string, root: string): boolean {
  const r = root.replace(/\/+$/, "");
  return path === root || path === r || path.startsWith(`${r}/`);
}

/** The breadcrumb from a root down to `folder`: the root first (named by its whole path), then each folder. */
export function crumbsOf(root: string, folder: string): { name: string; path: string }[] {
  const crumbs = [{ name: root, path: root }];
  if (!isInside(folder, root) || folder === root) return crumbs;
  let at = root.replace(/\/+$/, "");
  for (const part of folder.slice(at.length + 1).split("/").filter(Boolean)) {
    at = `${at}/${part}`;
    crumbs.push({ name: part, path: at });
  }
  return crumbs;
}

/**
 * Why a name typed for a new folder, a rename or an upload cannot be one entry of this folder
 * (null when it can): the agent would refuse these too, this says so before asking it.
 */
export function nameProblem(name: string): string | null {
  if (name.trim() === "") return "Type a name.";
  if (name.includes("/")) return "A name cannot contain /.";
  if (name === "." || name === "..") return "A name cannot be . or ..";
  if (name.includes("\0")) return "A name cannot contain a NUL character.";
  return null;
}

/** The Files tab's address for a folder, and a file open in it. */
export function filesAddress(tabPath: string, folder: string, file?: string | null): string {
  const query = new URLSearchParams({ path: folder });
  if (file) query.set("file", file);
  // Slashes stay readable in the address (`?path=/srv/app/src`): they need no escaping in a query.
  return `${tabPath}?${query.toString().replace(/%2F/g, "/")}`;
}
