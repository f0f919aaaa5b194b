import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";

/** Where the tab's screenshots go (light, dark, phone width): looked at by people, not compared. */
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/**
 * The instance page's Files tab in Chromium, with a real agent on a real folder: opened by its
 * address, browsed (the folder in the address, kept by a reload, Back to the one before), a text
 * file edited and saved (read back on disk), a file changed on the machine meanwhile never
 * overwritten silently, uploads dropped onto the list (bytes on disk; an existing name asks; over
 * 1 MiB refused), a download's bytes, a new folder, a rename and a delete into the backup folder.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard Files tab in Chromium", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-dash-files-")));
  const root = join(tmp, "root");
  const src = join(root, "src");
  const origin = `http://localhost:${inject("port")}`;
  const uploaded = noise(3000, 11);
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let page: Page;
  let filesUrl: string;

  const write = (path: string, content: string | Uint8Array) => {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
  };
  const region = (folder: string) => page.getByRole("region", { name: `Contents of ${folder}` });
  const editor = (name: string) => page.getByRole("textbox", { name: `Contents of ${name}` });
  // The editor's lines as shown (a small file is drawn whole).
  const editorText = (name: string) =>
    page.evaluate(`[...document.querySelector(${JSON.stringify(`.cm-content[aria-label="Contents of ${name}"]`)}).querySelectorAll(".cm-line")].map((l) => l.textContent).join("\\n")`);
  const openFolderLink = (scope: Locator, name: string) => scope.getByRole("link", { name: `${name}/ (folder)` });
  const query = (key: string) => new URL(page.url()).searchParams.get(key);
  const activeId = () => page.evaluate("document.activeElement && document.activeElement.id");
  const activeText = () => page.evaluate("document.activeElement && document.activeElement.textContent");

  /** Drops files onto an element the way a drag from the desktop does: a drop event carrying a DataTransfer of Files. */
  async function drop(target: Locator, files: { name: string; bytes?: Uint8Array; size?: number }[]) {
    const parts = files.map((f) => `new File([${f.bytes ? `new Uint8Array(${JSON.stringify([...f.bytes])})` : `new Uint8Array(${f.size})`}], ${JSON.stringify(f.name)})`);
    const dt = await page.evaluateHandle(`(() => { const dt = new DataTransfer(); for (const f of [${parts.join(",")}]) dt.items.add(f); return dt; })()`);
    await target.dispatchEvent("dragover", { dataTransfer: dt });
    await target.dispatchEvent("drop", { dataTransfer: dt });
  }

  beforeAll(async () => {
    write(join(root, "readme.md"), "# hello\n");
    write(join(src, "app.js"), "console.log(1);\n");
    write(join(src, "lib", "util.ts"), "export const x = 1;\n");
    write(join(src, "exists.txt"), "the old one\n");
    write(join(root, "logo.svg"), '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="red"/><script>parent.pwned = 1</script></svg>');
    write(join(root, "data.bin"), new Uint8Array([0, 1, 2, 0, 255]));
    write(join(root, "big.log"), new Uint8Array(2 * 1024 * 1024).fill(97));
    mkdirSync(ARTIFACTS, { recursive: true });
    owner = await freshUser("dash-files");
    agent = await startAgent(owner.token, `name: files-box\nroots: [${JSON.stringify(root)}]\n`);
    await until(async () => {
      const r = await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token });
      return r.body.status === "online" && r.body.name === "files-box";
    }, 60_000);
    filesUrl = `${origin}/instances/${agent.instanceId}/files`;
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    await signInContext(page.context(), origin, owner.email, owner.password);
  });
  afterAll(async () => {
    await browser?.close();
    agent?.run.child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("opens a folder by its address, browses into a folder, keeps it on reload, and Back goes to the one before", async () => {
    await page.goto(`${filesUrl}?path=${encodeURIComponent(root)}`);
    const top = region("root");
    await openFolderLink(top, "src").waitFor();
    // Folders first, then files, with their sizes.
    const names = await top.locator("tbody th a").allTextContents();
    expect(names[0]).toBe("src/ (folder)");
    expect(names.slice(1)).toEqual(["big.log", "data.bin", "logo.svg", "readme.md"]);
    await top.getByRole("row", { name: /readme\.md/ }).getByText("8 B", { exact: true }).waitFor();

    await openFolderLink(top, "src").click();
    await region("src").getByRole("link", { name: "app.js", exact: true }).waitFor();
    expect(query("path")).toBe(src);
    expect(new URL(page.url()).search).toBe(`?path=${src}`); // readable in the address
    expect(await activeId()).toBe("files-folder-title"); // focus on the folder just opened

    await page.reload();
    await region("src").getByRole("link", { name: "app.js", exact: true }).waitFor();
    await page.getByRole("navigation", { name: "Folder path" }).getByText("src", { exact: true }).waitFor();
    expect(await page.getByRole("navigation", { name: "Folder path" }).getByRole("link", { name: root }).count()).toBe(1);

    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-files-folder-${scheme}.png`), fullPage: true });
    }
    await page.emulateMedia({ colorScheme: "light" });
    await openFolderLink(region("src"), "lib").click();
    await region("lib").getByRole("link", { name: "util.ts", exact: true }).waitFor();
    await page.goBack();
    await region("src").getByRole("link", { name: "app.js", exact: true }).waitFor();
    expect(query("path")).toBe(src);
  });

  it("opens a text file in the editor, saves an edit with Ctrl+S, and the file on disk has it", async () => {
    await region("src").getByRole("link", { name: "app.js", exact: true }).click();
    await editor("app.js").waitFor();
    expect(query("file")).toBe("app.js");
    expect(await editorText("app.js")).toBe("console.log(1);\n");
    await editor("app.js").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("console.log(2);");
    await page.getByRole("heading", { name: "app.js (unsaved changes)" }).waitFor();
    await page.keyboard.press("Control+s");
    await page.getByText("Saved app.js.", { exact: false }).waitFor();
    await page.getByText("No unsaved changes.").waitFor();
    expect(readFileSync(join(src, "app.js"), "utf8")).toBe("console.log(1);\nconsole.log(2);");
    // One key press, one write: a second one over the same version would be refused as a conflict.
    await page.waitForTimeout(1000);
    expect(await page.getByRole("alert").count()).toBe(0);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-files-editor-${scheme}.png`), fullPage: true });
    }
    await page.emulateMedia({ colorScheme: "light" });

    // A reload opens the same file, as saved.
    await page.reload();
    await editor("app.js").waitFor();
    await expect.poll(() => editorText("app.js")).toBe("console.log(1);\nconsole.log(2);");
  });

  it("refuses to overwrite a file changed on the machine since it was opened: says so, and the disk keeps the other version", async () => {
    writeFileSync(join(src, "app.js"), "changed on the machine\n");
    await editor("app.js").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" // mine");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const alert = page.getByRole("alert").filter({ hasText: "changed on the machine since you opened it" });
    await alert.waitFor();
    expect(readFileSync(join(src, "app.js"), "utf8")).toBe("changed on the machine\n");
    await page.getByRole("heading", { name: "app.js (unsaved changes)" }).waitFor();

    // Reload theirs: my edit is gone, theirs is in the editor.
    await alert.getByRole("button", { name: "Reload theirs (discard my changes)" }).click();
    await expect.poll(() => editorText("app.js")).toBe("changed on the machine\n");
    await page.getByRole("heading", { name: "app.js", exact: true }).waitFor();

    // Changed again, edited again: this time overwrite, after a confirmation.
    writeFileSync(join(src, "app.js"), "their second version\n");
    await editor("app.js").click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.type("// mine\n");
    await page.keyboard.press("Control+s");
    await alert.waitFor();
    await alert.getByRole("button", { name: "Overwrite with mine app.js" }).click();
    await alert.getByText("Replace app.js on the machine with your version?").waitFor();
    expect(readFileSync(join(src, "app.js"), "utf8")).toBe("their second version\n"); // not before the confirmation
    await alert.getByRole("button", { name: "Overwrite app.js" }).click();
    await page.getByText("Saved app.js.", { exact: false }).waitFor();
    expect(readFileSync(join(src, "app.js"), "utf8")).toBe("// mine\nchanged on the machine\n");
    expect(await alert.count()).toBe(0);
  });

  it("asks before leaving a file with unsaved changes, and stays when told to", async () => {
    await editor("app.js").click();
    await page.keyboard.type("x");
    await page.getByRole("heading", { name: "app.js (unsaved changes)" }).waitFor();
    const asked: string[] = [];
    page.once("dialog", (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.getByRole("tab", { name: "Overview" }).click();
    await until(() => asked.length === 1);
    expect(asked[0]).toContain("unsaved changes");
    expect(query("file")).toBe("app.js");
    await page.getByRole("heading", { name: "app.js (unsaved changes)" }).waitFor();
    // Undo the edit: nothing unsaved, and Close goes back to the folder without asking, focus on the file's row.
    await editor("app.js").click();
    await page.keyboard.press("Control+z");
    await page.getByRole("heading", { name: "app.js", exact: true }).waitFor();
    await page.getByRole("link", { name: "Close app.js" }).click();
    await region("src").waitFor();
    expect(query("file")).toBeNull();
    await until(async () => (await activeText()) === "app.js");
  });

  it("uploads files dropped onto the list: the bytes on disk, an existing name asked about first, over 1 MiB refused", async () => {
    const list = region("src");
    await drop(list, [
      { name: "upload.bin", bytes: uploaded },
      { name: "exists.txt", bytes: new TextEncoder().encode("the new one\n") },
      { name: "huge.bin", size: 1024 * 1024 + 1 },
    ]);
    const uploads = page.getByRole("region", { name: "Uploads" });
    await uploads.locator('li[data-state="uploaded"]').filter({ hasText: "upload.bin" }).waitFor();
    expect(Buffer.from(readFileSync(join(src, "upload.bin"))).equals(Buffer.from(uploaded))).toBe(true);
    const huge = uploads.locator('li[data-state="refused"]').filter({ hasText: "huge.bin" });
    await huge.getByText("1 MiB (1,048,576 bytes)", { exact: false }).waitFor();
    expect(existsSync(join(src, "huge.bin"))).toBe(false);

    // The file already there is not replaced until the person says so.
    const exists = uploads.locator('li[data-state="exists"]').filter({ hasText: "exists.txt" });
    await exists.getByText("exists.txt already exists in this folder. Replace it?").waitFor();
    expect(readFileSync(join(src, "exists.txt"), "utf8")).toBe("the old one\n");
    await exists.getByRole("button", { name: "Replace exists.txt" }).click();
    await uploads.locator('li[data-state="replaced"]').filter({ hasText: "exists.txt" }).waitFor();
    expect(readFileSync(join(src, "exists.txt"), "utf8")).toBe("the new one\n");
    await uploads.getByText("2 of 3 uploaded.").waitFor();
    // The list shows the new file.
    await list.getByRole("link", { name: "upload.bin", exact: true }).waitFor();
  });

  it("downloads a file: the saved bytes are the file's", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), region("src").getByRole("link", { name: "Download upload.bin" }).click()]);
    expect(download.suggestedFilename()).toBe("upload.bin");
    expect(Buffer.from(readFileSync((await download.path())!)).equals(Buffer.from(readFileSync(join(src, "upload.bin"))))).toBe(true);
  });

  it("makes a folder, renames it (never over a taken name), and deletes it into the backup folder", async () => {
    const list = region("src");
    await page.getByRole("button", { name: "New folder" }).click();
    await page.getByRole("textbox", { name: "Name of the new folder" }).fill("made");
    await page.getByRole("button", { name: "Make folder" }).click();
    await page.getByText("Made the folder made.").waitFor();
    await until(async () => (await activeText()) === "made/ (folder)");
    expect(statSync(join(src, "made")).isDirectory()).toBe(true);
    writeFileSync(join(src, "made", "inside.txt"), "inside\n");

    // A taken name: refused, both left as they were.
    await list.getByRole("button", { name: "Rename made" }).click();
    const newName = page.getByRole("textbox", { name: "New name for made" });
    await newName.fill("app.js");
    await newName.press("Enter");
    await page.getByText("Something named app.js is already in this folder: nothing was renamed or replaced.").waitFor();
    expect(existsSync(join(src, "made", "inside.txt"))).toBe(true);
    expect(readFileSync(join(src, "app.js"), "utf8")).toBe("// mine\nchanged on the machine\n");
    await newName.fill("renamed");
    await newName.press("Enter");
    await page.getByText("Renamed made to renamed.").waitFor();
    await openFolderLink(list, "renamed").waitFor();
    expect(existsSync(join(src, "made"))).toBe(false);
    expect(readFileSync(join(src, "renamed", "inside.txt"), "utf8")).toBe("inside\n");

    await list.getByRole("button", { name: "Delete renamed" }).click();
    await page.getByText("Delete the folder renamed and everything in it? It is moved into this root's backup folder (.anchorage-backups)", { exact: false }).waitFor();
    expect(existsSync(join(src, "renamed"))).toBe(true); // not before the confirmation
    await list.getByRole("button", { name: "Delete renamed" }).click();
    const notice = page.getByRole("status").filter({ hasText: "Deleted renamed: it was moved to" });
    await notice.waitFor();
    const backup = /moved to (\S+), where/.exec((await notice.textContent())!)![1]!;
    expect(backup.startsWith(join(root, ".anchorage-backups", "src", "renamed."))).toBe(true);
    expect(readFileSync(join(backup, "inside.txt"), "utf8")).toBe("inside\n");
    expect(existsSync(join(src, "renamed"))).toBe(false);
    await until(async () => (await openFolderLink(list, "renamed").count()) === 0);
    expect(await activeId()).toBe("files-folder-title");
  });

  it("shows an image only as an image, offers a binary file and one over 1 MiB for what they are", async () => {
    await page.goto(`${filesUrl}?path=${encodeURIComponent(root)}&file=logo.svg`);
    const img = page.getByRole("img", { name: "logo.svg" });
    await img.waitFor();
    expect(await img.getAttribute("src")).toMatch(/^blob:/);
    await until(() => page.evaluate(`(() => { const img = document.querySelector("img.files-image"); return img.complete && img.naturalWidth === 20; })()`));
    expect(await page.evaluate("window.pwned")).toBeUndefined(); // an SVG in an <img> runs no script

    await page.goto(`${filesUrl}?path=${encodeURIComponent(root)}&file=data.bin`);
    await page.getByText("data.bin is not text, so it is not shown here", { exact: false }).waitFor();
    await page.getByRole("link", { name: "Download data.bin" }).waitFor();

    await page.goto(`${filesUrl}?path=${encodeURIComponent(root)}&file=big.log`);
    await page.getByText("big.log is 2.0 MiB: the dashboard opens, downloads and uploads files of up to 1 MiB", { exact: false }).waitFor();
  });

  it("fits a phone's width: nothing of the tab reaches past the screen, in a folder or with a file open", async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    // What of the Files tab sticks out on the right (the editor's own scroller may scroll inside itself).
    const sticksOut = () =>
      page.evaluate(`[...document.querySelectorAll(".files-tab *")].filter((e) => !e.closest(".cm-scroller") && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map((e) => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`);
    await page.goto(`${filesUrl}?path=${encodeURIComponent(src)}`);
    await region("src").getByRole("link", { name: "app.js", exact: true }).waitFor();
    expect(await sticksOut()).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-files-folder-phone.png"), fullPage: true });
    await region("src").getByRole("button", { name: "Delete app.js" }).click();
    expect(await sticksOut()).toEqual([]);
    await page.keyboard.press("Escape");
    await region("src").getByRole("button", { name: "Rename app.js" }).click();
    expect(await sticksOut()).toEqual([]);
    await page.keyboard.press("Escape");
    await page.goto(`${filesUrl}?path=${encodeURIComponent(src)}&file=app.js`);
    await editor("app.js").waitFor();
    expect(await sticksOut()).toEqual([]);
    expect(await page.evaluate(`document.querySelector(".files-tab").scrollWidth <= document.querySelector(".files-tab").clientWidth`)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-files-editor-phone.png"), fullPage: true });
    expect(existsSync(join(src, "app.js"))).toBe(true);
  });
});
