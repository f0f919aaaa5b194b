import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { waitForPage } from "./dashboard-shell.ts";

/** Where the screen's screenshots go (light, dark, phone width): looked at by people, not compared. */
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

const sha256 = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");
const hourAgo = new Date(Date.now() - 3600_000);

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
 * The dashboard's File sync screen in a real browser, with two real agents on real folders:
 * browse both sides, compare (a CRLF and an LF copy of the same text shown as synced), choose
 * files (one unticked by keyboard), sync, watch every chosen file reach Done from the event
 * socket, and find the destination's files really changed on disk, and the unticked one not sent;
 * then keep the two folders as a mirror and follow its state as it is synced, changed and checked.
 */
describe.runIf(hasChromium() || process.env.CI)("dashboard File sync in Chromium", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-dash-sync-")));
  const rootA = join(tmp, "a");
  const rootB = join(tmp, "b");
  const big = noise(3 * 1024 * 1024, 7);
  const stamp = Date.now().toString(36);
  const nameA = `sync-ui-a-${stamp}`;
  const nameB = `sync-ui-b-${stamp}`;
  let owner: TestUser;
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let page: Page;
  let screen: Locator;

  const write = (root: string, path: string, content: string | Uint8Array, mtime = hourAgo) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
    utimesSync(join(root, path), mtime, mtime);
  };
  const pane = (title: "Source" | "Destination") => screen.getByRole("region", { name: title, exact: true });
  const listing = (title: "Source" | "Destination") => screen.getByRole("region", { name: `${title} folder contents` });
  const group = (name: string) => screen.locator(".compare-group").filter({ has: page.getByText(new RegExp(`^${name} \\(\\d+\\)$`)) });

  beforeAll(async () => {
    for (const d of [rootA, rootB, ARTIFACTS]) mkdirSync(d, { recursive: true });
    write(rootA, "readme.md", "# hello\n");
    write(rootA, "src/app.js", "console.log(1);\n");
    write(rootA, "data/big.bin", big);
    write(rootA, "changed.txt", "the source's version\n", new Date());
    write(rootA, "same.txt", "one\ntwo\n");
    write(rootB, "same.txt", "one\r\ntwo\r\n"); // the same text with Windows line endings
    write(rootB, "changed.txt", "the destination's old version\n");
    write(rootB, "only-there.txt", "keep me\n");
    owner = await freshUser("dash-sync");
    a = await startAgent(owner.token, `name: ${nameA}\nroots: [${JSON.stringify(rootA)}]\n`);
    b = await startAgent(owner.token, `name: ${nameB}\nroots: [${JSON.stringify(rootB)}]\n`);
    for (const [id, name] of [[a.instanceId, nameA], [b.instanceId, nameB]] as const) {
      await until(async () => {
        const r = await api(`/api/cloud/instance/${id}`, { token: owner.token });
        return r.body.status === "online" && r.body.name === name;
      }, 20_000);
    }

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signInContext(page.context(), `http://localhost:${inject("port")}`, owner.email, owner.password);
    // File sync is a page of its own, its screen's heading the page's <h1>.
    await page.goto(`http://localhost:${inject("port")}/sync`);
    await waitForPage(page, "File sync");
    screen = page.getByRole("region", { name: "File sync" });
    await screen.getByLabel("Source instance").waitFor();
  });
  afterAll(async () => {
    a?.run.child.kill("SIGKILL");
    b?.run.child.kill("SIGKILL");
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("browses both instances side by side", async () => {
    await screen.getByLabel("Source instance").selectOption({ label: nameA });
    await screen.getByLabel("Destination instance").selectOption({ label: nameB });
    // Each side opens at its instance's project root.
    await pane("Source").getByText(rootA, { exact: true }).waitFor();
    await pane("Destination").getByText(rootB, { exact: true }).waitFor();
    const source = listing("Source");
    for (const name of ["readme.md", "same.txt", "changed.txt"]) await source.getByText(name, { exact: true }).waitFor();
    await listing("Destination").getByText("only-there.txt", { exact: true }).waitFor();
    expect(await listing("Destination").getByText("readme.md", { exact: true }).count()).toBe(0);

    // Into a folder and back up.
    await source.getByRole("button", { name: "src/ (open folder)" }).click();
    await pane("Source").getByText(join(rootA, "src"), { exact: true }).waitFor();
    await listing("Source").getByText("app.js", { exact: true }).waitFor();
    const up = pane("Source").getByRole("button", { name: "Up one folder (source)" });
    await up.click();
    await pane("Source").getByText(rootA, { exact: true }).waitFor();
    expect(await up.isDisabled()).toBe(true); // not above the root
  });

  it("compares: identical files shown as synced, the rest grouped by what a sync would do", async () => {
    await screen.getByRole("button", { name: "Compare", exact: true }).click();
    await screen.getByText("1 different, 3 only on the source, 1 only on the destination, 1 synced").waitFor();
    const synced = group("Synced");
    await synced.getByText("same.txt", { exact: true }).waitFor();
    expect(await synced.getByText("Synced", { exact: true }).count()).toBe(1);
    // Synced files cannot be chosen; what is new or different is chosen at first; a removal is not offered.
    expect(await synced.getByRole("checkbox").count()).toBe(0);
    expect(await group("Only on the source").getByRole("checkbox", { name: "data/big.bin" }).isChecked()).toBe(true);
    expect(await group("Different").getByRole("checkbox", { name: "changed.txt" }).isChecked()).toBe(true);
    expect(await group("Only on the destination").getByRole("checkbox").count()).toBe(0);
    // The listings say it too, beside the file.
    await listing("Destination").locator("li").filter({ hasText: "same.txt" }).getByText("Synced").waitFor();
    await listing("Source").locator("li").filter({ hasText: "changed.txt" }).getByText("Differs").waitFor();
    await screen.getByText("4 files to send", { exact: false }).waitFor();
  });

  it("syncs the chosen files with each one's progress, and the destination really changes", async () => {
    // Untick src/app.js from the keyboard.
    const app = group("Only on the source").getByRole("checkbox", { name: "src/app.js" });
    await app.focus();
    await page.keyboard.press("Space");
    expect(await app.isChecked()).toBe(false);
    await screen.getByText("3 files to send", { exact: false }).waitFor();

    await screen.getByRole("button", { name: "Sync chosen files" }).click();
    const files = screen.getByRole("list", { name: "Files in this sync" });
    await files.locator("li").first().waitFor();
    expect(await files.locator("li .file-path").allTextContents()).toEqual(["changed.txt", "data/big.bin", "readme.md"]);
    // Every file reaches Done, told by the event socket; the bar is full.
    await until(async () => (await files.locator('li[data-state="done"]').count()) === 3, 45_000);
    await screen.getByRole("heading", { name: "Sync progress Done" }).waitFor();
    expect(await screen.locator("#sync-progress-bar").getAttribute("value")).toBe("100");
    await screen.getByText(/3 of 3 files · 3\.0 MiB of 3\.0 MiB/).waitFor();

    // On disk: the chosen files arrived byte for byte; the unticked one did not; the replaced one was backed up.
    expect(sha256(readFileSync(join(rootB, "data/big.bin")))).toBe(sha256(big));
    expect(readFileSync(join(rootB, "changed.txt"), "utf8")).toBe("the source's version\n");
    expect(readFileSync(join(rootB, "readme.md"), "utf8")).toBe("# hello\n");
    expect(existsSync(join(rootB, "src/app.js"))).toBe(false);
    expect(readFileSync(join(rootB, "only-there.txt"), "utf8")).toBe("keep me\n");

    // The screen compares again by itself: what was sent is synced now, the unticked file still waits.
    await screen.getByText("1 only on the source, 1 only on the destination, 4 synced").waitFor();
    await group("Only on the source").getByRole("checkbox", { name: "src/app.js" }).waitFor();
    // The listings were read again too.
    await listing("Destination").getByText("readme.md", { exact: true }).waitFor();
  });

  it("shows a sync part-way (some files done, the rest pending) and cancels it: the files not reached are not written", async () => {
    const bulk = ["bulk/one.bin", "bulk/three.bin", "bulk/two.bin"];
    bulk.forEach((path, i) => write(rootA, path, noise(8 * 1024 * 1024, 100 + i)));
    await screen.getByRole("button", { name: "Compare again" }).click();
    await screen.getByText("4 only on the source, 1 only on the destination, 4 synced").waitFor();
    // Only the big files: src/app.js stays out.
    await group("Only on the source").getByRole("checkbox", { name: "src/app.js" }).uncheck();
    await screen.getByText("3 files to send (24.0 MiB)", { exact: false }).waitFor();
    await screen.getByRole("button", { name: "Sync chosen files" }).click();

    const files = screen.getByRole("list", { name: "Files in this sync" });
    await files.locator('li[data-state="done"]').first().waitFor({ timeout: 30_000 });
    await screen.getByRole("heading", { name: "Sync progress Syncing" }).waitFor();
    expect(await files.locator('li[data-state="pending"]').count()).toBeGreaterThan(0);
    await screen.getByText(/of 24\.0 MiB · [\d.]+ (KiB|MiB)\/s · about .+ left/).waitFor();

    await screen.getByRole("button", { name: "Cancel sync" }).click();
    await screen.getByRole("heading", { name: "Sync progress Cancelled" }).waitFor({ timeout: 30_000 });
    const states = await files.locator("li").evaluateAll((lis) => lis.map((li) => [li.querySelector(".file-path")!.textContent!, li.getAttribute("data-state")!]));
    expect(states.map(([path]) => path)).toEqual(bulk);
    expect(states.some(([, state]) => state === "cancelled")).toBe(true);
    for (const [path, state] of states) {
      const there = existsSync(join(rootB, path!));
      // Done: there byte for byte. Not reached (or stopped mid-file): not there at all, never half-written.
      expect([path, there]).toEqual([path, state === "done"]);
      if (there) expect(sha256(readFileSync(join(rootB, path!)))).toBe(sha256(readFileSync(join(rootA, path!))));
    }
    // Compared again by itself: what was sent is synced, what was not is still chosen, ready to run again.
    const sent = states.filter(([, state]) => state === "done").length;
    await screen.getByText(`${4 - sent} only on the source, 1 only on the destination, ${4 + sent} synced`).waitFor();
    for (const [path, state] of states) {
      if (state !== "done") expect(await group("Only on the source").getByRole("checkbox", { name: path! }).isChecked()).toBe(true);
    }
    expect(await group("Only on the source").getByRole("checkbox", { name: "src/app.js" }).isChecked()).toBe(false); // still left out
    await screen.getByRole("button", { name: "Close sync progress" }).click();
    expect(await files.count()).toBe(0);
  });

  it("mirrors the two folders: saved needing a sync, synced now, made stale by a write on the source (live), checked, deleted", async () => {
    const mirrors = page.getByRole("region", { name: "Mirrors" });
    await mirrors.getByRole("button", { name: "Mirror the folders chosen above" }).click();
    const form = page.getByRole("form", { name: "New mirror" });
    await form.getByLabel(/^Name/).fill("site copy");
    await form.getByLabel("How often to check").selectOption({ label: "Every hour" });
    await form.getByRole("button", { name: "Save mirror" }).click();
    await mirrors.getByText("Mirror “site copy” saved.").waitFor();
    const row = mirrors.getByRole("list", { name: "Mirrors" }).getByRole("listitem").filter({ hasText: "site copy" });
    // Saved after a compare: src/app.js is still only on the source.
    await row.getByText("Needs sync", { exact: true }).waitFor();
    await row.getByText(/Last synced never · checked every hour/).waitFor();
    await row.getByText(`${nameA}:${rootA}`).waitFor();

    // Sync now: the state follows the events to In sync, with a last sync time; the file is really there.
    await row.getByRole("button", { name: "Sync now site copy" }).click();
    await row.getByText("In sync", { exact: true }).waitFor({ timeout: 30_000 });
    expect(await row.getByText(/Last synced never/).count()).toBe(0);
    expect(readFileSync(join(rootB, "src/app.js"), "utf8")).toBe("console.log(1);\n");
    const saved = (await api("/api/cloud/mirrors/list", { token: owner.token })).body.mirrors as { name: string; state: string; last_sync_at: string | null }[];
    expect(saved).toEqual([expect.objectContaining({ name: "site copy", state: "in_sync", last_sync_at: expect.any(String) })]);

    // A write on the source: its agent's watcher marks the mirror, and the page hears it without a reload.
    write(rootA, "notes.txt", "written after the sync\n", new Date());
    await row.getByText("Needs sync", { exact: true }).waitFor({ timeout: 30_000 });
    await row.getByRole("button", { name: "Check now site copy" }).click();
    await expect.poll(() => mirrors.innerText(), { timeout: 30_000 }).toContain("Checked “site copy”: 1 file to sync.");
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await mirrors.screenshot({ path: join(ARTIFACTS, `dashboard-mirrors-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: "light" });

    // Delete asks first; Escape keeps it.
    await row.getByRole("button", { name: "Delete mirror site copy" }).click();
    await page.keyboard.press("Escape");
    await row.getByRole("button", { name: "Delete mirror site copy" }).waitFor();
    expect(await row.getByRole("button", { name: "Yes, delete mirror site copy" }).count()).toBe(0);
    await row.getByRole("button", { name: "Delete mirror site copy" }).click();
    await row.getByRole("button", { name: "Yes, delete mirror site copy" }).click();
    await mirrors.getByText("Mirror “site copy” deleted. Its files stay where they are.").waitFor();
    expect((await api("/api/cloud/mirrors/list", { token: owner.token })).body.mirrors).toEqual([]);
    expect(existsSync(join(rootB, "src/app.js"))).toBe(true);
  });

  it("names every control, and shows where the keyboard is on each one Tab reaches", async () => {
    // Playwright's ARIA snapshot lists each control with its accessible name: none may lack one.
    expect(await screen.ariaSnapshot()).toMatch(/- button "Compare again"/);
    for (const region of [screen, page.getByRole("region", { name: "Mirrors" })]) {
      const tree = await region.ariaSnapshot();
      expect(tree.split("\n").filter((l) => /^\s*- (button|checkbox|combobox|textbox|radio|link)\b(?! ")/.test(l))).toEqual([]);
    }
    // From the first control of the screen to the last, every stop has a visible focus ring.
    await screen.getByLabel("Source instance").focus();
    const stops: { inside: boolean; ring: boolean; what: string }[] = [];
    for (let i = 0; i < 80; i++) {
      stops.push(
        await page.evaluate(`(() => {
          const el = document.activeElement;
          const s = getComputedStyle(el);
          return {
            inside: !!el.closest('section[aria-labelledby="sync-title"]'),
            ring: el.matches(":focus-visible") && s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0,
            what: el.outerHTML.slice(0, 100),
          };
        })()`),
      );
      if (!stops.at(-1)!.inside) break;
      await page.keyboard.press("Tab");
    }
    const inside = stops.filter((x) => x.inside);
    expect(inside.length).toBeGreaterThan(10); // panes, listings, options, the compare's boxes, the sync button
    expect(inside.filter((x) => !x.ring).map((x) => x.what)).toEqual([]);
    await page.evaluate("document.activeElement.blur()");
  });

  it("is drawn in light and dark, at a laptop and a phone width (screenshots in test-artifacts/, the mirrors' too)", async () => {
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const bg = await page.evaluate(`getComputedStyle(document.querySelector('section[aria-labelledby="sync-title"]')).backgroundColor`);
      // The card takes the scheme's surface colour: white in light, dark grey in dark.
      expect(bg).toBe(scheme === "light" ? "rgb(255, 255, 255)" : "rgb(27, 31, 37)");
      await screen.screenshot({ path: join(ARTIFACTS, `dashboard-sync-${scheme}.png`) });
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: "light" });
    // One column on a phone: the destination sits below the source, and the screen does not scroll sideways.
    const [s, d] = [await pane("Source").boundingBox(), await pane("Destination").boundingBox()];
    expect(d!.y).toBeGreaterThan(s!.y + s!.height - 1);
    expect(await screen.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await screen.screenshot({ path: join(ARTIFACTS, "dashboard-sync-phone.png") });
  });
});
