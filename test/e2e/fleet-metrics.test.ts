import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { mkdirSync } from "node:fs";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

/**
 * Issue 27, metrics: a real agent's heartbeats (cpu, memory, the root disk, network on Linux) kept
 * by its InstanceDO and answered by `GET …/metrics`; the instance's Metrics tab draws them with
 * uPlot, moves the hour with new heartbeats, switches ranges, has a table, and fits a phone.
 */
describe.runIf(hasChromium() || process.env.CI)("metric history with a real agent, in Chromium", () => {
  const name = `metrics-${Date.now().toString(36)}`;
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const chart = (title: string) => page.getByRole("figure").filter({ has: page.getByText(title, { exact: false }) }).first();
  const pointsOf = async (figure: Locator) => Number(await figure.getAttribute("data-points"));
  /** Pixels of the canvas in the line's colour (the theme's --accent for CPU): a line is drawn, not only the grid. */
  // These run in the page; this file is compiled without the DOM's types, hence `any` and globalThis.
  const ink = (c: any): number => {
    const g = globalThis as any;
    const accent: string = g.getComputedStyle(g.document.documentElement).getPropertyValue("--accent").trim(); // #rrggbb
    const [r, gr, b] = [1, 3, 5].map((i) => parseInt(accent.slice(i, i + 2), 16)) as [number, number, number];
    const px: Uint8ClampedArray = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 200 && Math.abs(px[i]! - r) < 40 && Math.abs(px[i + 1]! - gr) < 40 && Math.abs(px[i + 2]! - b) < 40) n++;
    return n;
  };
  /** Pixels of the canvas in the line's colour (the theme's --accent for CPU): a line is drawn, not only the grid. */
  const inkOf = (figure: Locator) => figure.locator("canvas").first().evaluate(ink);

  beforeAll(async () => {
    owner = await freshUser("metrics");
    agent = await startAgent(owner.token, `name: ${name}\n`);
    await until(async () => (await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token })).body.status === "online", 45_000).catch((e: Error) => {
      throw new Error(`${name} did not come online: ${e.message}\n${agent.run.output()}`);
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    agent?.run.child.kill("SIGKILL");
  });

  it("keeps the agent's heartbeats: cpu, memory, disk and network as series", async () => {
    // The first heartbeat has no network figures (no previous reading): wait for three.
    const body = await until(async () => {
      const r = await api(`/api/cloud/instance/${agent.instanceId}/metrics?step=5`, { token: owner.token });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.series.cpu.length >= 3 ? r.body : null;
    }, 30_000);
    expect(body).toMatchObject({ step: 5, resolution: "raw" });
    const last = (s: string) => body.series[s].at(-1)?.[1];
    expect(last("memory")).toBeGreaterThan(0);
    expect(last("memory")).toBeLessThanOrEqual(100);
    expect(last("disk")).toBeGreaterThan(0); // the root filesystem is never empty
    if (process.platform === "linux") {
      expect(body.series.net_rx.length).toBeGreaterThanOrEqual(1);
      expect(last("net_rx")).toBeGreaterThanOrEqual(0);
    }
    // The same storage answers the 5-minute buckets.
    const day = await api(`/api/cloud/instance/${agent.instanceId}/metrics?from=${Date.now() - 24 * 3600_000}&step=300`, { token: owner.token });
    expect(day.body.resolution).toBe("5m");
    expect(day.body.series.cpu.length).toBeGreaterThanOrEqual(1);
  });

  it("draws the charts on the Metrics tab, moves with heartbeats, switches ranges and shows a table", async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    await signInContext(page.context(), `http://localhost:${inject("port")}`, owner.email, owner.password);
    await page.goto(`http://localhost:${inject("port")}/instances/${agent.instanceId}/metrics`);
    await page.getByRole("main").getByRole("tab", { name: "Metrics", exact: true, selected: true }).waitFor();
    await page.getByRole("heading", { name: "Metrics", level: 2 }).waitFor();

    const range = page.getByRole("group", { name: "Range" });
    expect(await range.getByRole("button", { name: "1 h", exact: true }).getAttribute("aria-pressed")).toBe("true");
    const cpu = chart("CPU, last hour");
    await cpu.waitFor();
    await until(async () => (await pointsOf(cpu)) >= 1);
    expect(await cpu.locator("canvas").count()).toBeGreaterThanOrEqual(1);
    await until(async () => (await inkOf(cpu)) >= 5, 5000); // the line itself, in its colour
    for (const title of ["Memory, last hour", "Disk, last hour", "Network, last hour"]) await chart(title).waitFor();
    // The caption is the text alternative: latest and highest in words.
    expect(await cpu.locator("figcaption").textContent()).toMatch(/CPU busy: latest \d+(\.\d)?%, highest \d+(\.\d)?%/);
    // A new heartbeat (every 5 s) adds a point without reloading.
    const before = await pointsOf(cpu);
    await until(async () => (await pointsOf(cpu)) > before, 20_000);

    await range.getByRole("button", { name: "24 h", exact: true }).click();
    expect(await range.getByRole("button", { name: "24 h", exact: true }).getAttribute("aria-pressed")).toBe("true");
    expect(await range.getByRole("button", { name: "1 h", exact: true }).getAttribute("aria-pressed")).toBe("false");
    const day = chart("CPU, last 24 hours");
    await day.waitFor();
    await until(async () => (await pointsOf(day)) >= 1);
    await page.locator('[data-range="24h"]').waitFor();
    await until(async () => (await inkOf(day)) >= 1, 5000); // one bucket so far: a dot or a short line

    await range.getByRole("button", { name: "30 d", exact: true }).click();
    await chart("CPU, last 30 days").waitFor();
    await page.locator('[data-range="30d"]').waitFor();

    await page.getByRole("button", { name: "Show as a table" }).click();
    const table = page.getByRole("table", { name: /Metrics, last 30 days/ });
    await table.waitFor();
    expect(await table.getByRole("row").count()).toBeGreaterThanOrEqual(2); // the header and at least one point
    expect(await page.getByRole("button", { name: "Hide the table" }).getAttribute("aria-expanded")).toBe("true");
    await range.getByRole("button", { name: "1 h", exact: true }).click();
    await until(async () => (await pointsOf(chart("CPU, last hour"))) >= 1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}fleet-metrics-desktop.png`, fullPage: true });
  });

  it("fits a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("group", { name: "Range" }).getByRole("button", { name: "1 h", exact: true }).click();
    const cpu = chart("CPU, last hour");
    await until(async () => (await pointsOf(cpu)) >= 1);
    await until(async () => {
      const widths = await cpu.locator("canvas").first().evaluate((c: any) => ({ canvas: c.getBoundingClientRect().right as number, page: (globalThis as any).document.documentElement.clientWidth as number }));
      return widths.canvas <= widths.page;
    }, 5000);
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    // The legend wraps inside the chart's box rather than running out of it.
    const net = chart("Network, last hour");
    const box = (await net.boundingBox())!;
    for (const entry of await net.locator(".u-legend tr").all()) {
      const b = (await entry.boundingBox())!;
      expect(b.x + b.width, await entry.evaluate((e: any) => String(e.parentElement.outerHTML).slice(0, 600))).toBeLessThanOrEqual(box.x + box.width + 1);
    }
    await page.screenshot({ path: `${ARTIFACTS}fleet-metrics-phone.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
