// Sweeps in a real browser: two settings of the SMA cross become ranges in the Inspector, the sweep
// runs on the server's worker threads with progress, the heatmap shows every combination, the best
// cell is applied as a new version and backtested: the same result as the sweep's row.
import { availableParallelism } from "node:os";
import { getTemplate } from "@keyflow/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shot, startApp, tid, type BrowserApp } from "./harness";

let app: BrowserApp | undefined;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  page = app.page;
}, 180_000);

afterAll(async () => {
  await app?.close();
});

async function makeRange(node: string, from: number, to: number, step: number) {
  await page.click(`${tid(`node-${node}`)} .bn-title, ${tid(`node-${node}`)}`, { position: { x: 20, y: 12 } });
  await page.waitForSelector(tid("params-panel"));
  await page.click(tid("range-toggle-period"));
  await page.fill(tid("range-from-period"), String(from));
  await page.fill(tid("range-to-period"), String(to));
  await page.fill(tid("range-step-period"), String(step));
  await page.waitForSelector(`${tid("range-count-period")}:has-text("${Math.floor((to - from) / step) + 1} values")`);
}

describe("parameter sweep", () => {
  it("makes two params ranges, sweeps with progress, reads the heatmap, applies the best cell and backtests it", async () => {
    await page.goto(app!.url);
    await page.waitForSelector(tid("compiles-ok"));
    await makeRange("fast", 6, 12, 2);
    await makeRange("slow", 20, 40, 5);
    await shot(page, "sweep-inspector-range");
    // The flow with ranges still compiles and backtests on its own values.
    expect(await page.locator(tid("backtest-button")).isEnabled()).toBe(true);

    await page.click(tid("tab-research"));
    await page.waitForSelector(tid("sweep-space"));
    expect(await page.textContent(tid("sweep-space"))).toContain("= 20 combinations");
    // Record every progress state the page draws (a fast sweep shows it only briefly).
    // (Page code as text: this project's tests are typed without the DOM library.)
    await page.evaluate(`(() => {
      const seen = (window.__progress = []);
      new MutationObserver(() => {
        const el = document.querySelector('${tid("sweep-progress")}');
        if (el) seen.push(el.getAttribute("data-done") + "/" + el.getAttribute("data-total"));
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    })()`);
    await page.click(tid("sweep-run"));
    await page.waitForSelector(tid("sweep-results"), { timeout: 60_000 });
    const seen = (await page.evaluate("window.__progress")) as string[];
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.endsWith("/20"))).toBe(true);

    const cells = await page.locator(tid("heatmap-cell")).evaluateAll((els) =>
      els.map((e) => ({ x: Number(e.getAttribute("data-x")), y: Number(e.getAttribute("data-y")), row: Number(e.getAttribute("data-row")), value: Number(e.getAttribute("data-value")) })),
    );
    expect(cells).toHaveLength(20);
    expect(new Set(cells.map((c) => c.x))).toEqual(new Set([6, 8, 10, 12]));
    expect(new Set(cells.map((c) => c.y))).toEqual(new Set([20, 25, 30, 35, 40]));
    const top = cells.reduce((a, b) => (b.value > a.value ? b : a));
    expect(String(top.row)).toBe(await page.getAttribute(tid("sweep-results"), "data-best"));
    await shot(page, "sweep-heatmap");

    await page.click(tid("heatmap-mode-stability"));
    await shot(page, "sweep-stability");
    await page.click(tid("heatmap-mode-objective"));

    await page.click(`${tid("heatmap-cell")}[data-row="${top.row}"]`);
    expect(await page.textContent(tid("picked-params"))).toBe(`fast.period = ${top.x}, slow.period = ${top.y}`);
    await page.click(tid("apply-row"));
    await page.waitForSelector(`${tid("toast")}:has-text("Saved as version")`);

    // The editor holds the new version with the chosen values; backtest it.
    await page.click(tid("tab-editor"));
    await page.click(tid("node-fast"), { position: { x: 20, y: 12 } });
    await page.waitForFunction(`document.querySelector('${tid("param-period")}')?.value === "${top.x}"`);
    await page.click(tid("backtest-button"));
    await page.waitForSelector(tid("results"), { timeout: 60_000 });
    const runId = await page.getAttribute(tid("results"), "data-run-id");
    const run = await app!.client.backtests.get.query({ runId: runId! });
    const strategies = await app!.client.strategies.list.query();
    const research = await app!.client.research.listForStrategy.query({ strategyId: strategies[0]!.id });
    const sweep = (await app!.client.research.get.query({ id: research[0]!.id })).sweep!;
    expect(run.metrics!.finalEquity).toBe(sweep.rows[top.row]!.metrics!.finalEquity);
    expect(run.metrics!.finalEquity).toBe(top.value);

    await page.click(tid("results-tab-montecarlo"));
    await page.waitForSelector(tid("mc-drawdown"));
    const p5 = Number(await page.getAttribute(tid("mc-drawdown"), "data-p5"));
    const p95 = Number(await page.getAttribute(tid("mc-drawdown"), "data-p95"));
    expect(p5).toBeLessThan(p95);
    await shot(page, "sweep-montecarlo");
  }, 180_000);

  it("runs a walk-forward and shows its windows and efficiency", async () => {
    await page.click(tid("tab-research"));
    await page.fill(tid("wf-windows"), "3");
    await page.fill(tid("wf-in"), "3000");
    await page.fill(tid("wf-out"), "1500");
    await page.click(tid("wf-run"));
    await page.waitForSelector(tid("wf-results"), { timeout: 60_000 });
    expect(await page.locator(tid("wf-window")).count()).toBe(3);
    // The stitched curve is drawn bar by bar (many more points than windows), one marked boundary per window.
    expect(await page.locator(tid("wf-boundary")).count()).toBe(3);
    const points = ((await page.getAttribute(`${tid("wf-curve")} polyline`, "points")) ?? "").trim().split(" ").length;
    expect(points).toBeGreaterThan(100);
    await shot(page, "sweep-walkforward");
  }, 120_000);

  it("reserves a hold-out the sweep never uses, then unlocks it once and shows that next to results", async () => {
    await page.click(tid("tab-research"));
    await page.fill(tid("holdout-from"), "2024-07-01");
    await page.click(tid("holdout-lock"));
    await page.waitForSelector(tid("holdout-locked"));
    await page.click(tid("sweep-run"));
    await page.waitForSelector(tid("result-holdout"), { timeout: 60_000 });
    const list = await app!.client.research.listForStrategy.query({ strategyId: (await app!.client.strategies.list.query())[0]!.id });
    const latest = await app!.client.research.get.query({ id: list[0]!.id });
    // The sweep read up to the last candle before the hold-out (1h candles), never one inside it.
    expect(latest.toTime).toBe(Date.UTC(2024, 6, 1) - 3_600_000);
    await page.click(tid("holdout-unlock"));
    await page.click(tid("confirm-ok"));
    await page.waitForSelector(tid("holdout-unlocked"));
    await page.click(tid("tab-results"));
    await page.waitForSelector(tid("holdout-note"));
    expect(await page.textContent(tid("holdout-note"))).toContain("unlocked");
    await page.click(tid("tab-research"));
    await shot(page, "sweep-holdout");
  }, 120_000);

  it("a sweep waits as queued while every slot is busy, and is cancelled from there without running", async () => {
    // Long sweeps on every slot (one per core).
    const flow = structuredClone(getTemplate("sma-cross")!.flow);
    const values = Array.from({ length: 40 }, (_, i) => i + 2);
    flow.nodes = flow.nodes.map((n) => (n.id === "fast" || n.id === "slow" ? { ...n, ranges: { period: { values } } } : n));
    const settings = { method: "grid" as const, samples: 1, seed: 1, objective: "equity" as const, constraints: { minTrades: 0 } };
    const busy = [];
    for (let i = 0; i < availableParallelism(); i++) busy.push((await app!.client.research.start.mutate({ flow, settings })).id);
    await page.click(tid("tab-research"));
    await page.click(tid("sweep-run"));
    await page.waitForSelector(tid("sweep-queued"));
    await shot(page, "sweep-queued");
    const strategyId = (await app!.client.strategies.list.query())[0]!.id;
    const queued = (await app!.client.research.listForStrategy.query({ strategyId }))[0]!;
    expect(queued.status).toBe("queued");
    await page.click(tid("sweep-cancel"));
    await page.waitForSelector(tid("sweep-queued"), { state: "detached" });
    const after = await app!.client.research.get.query({ id: queued.id });
    expect(after.status).toBe("cancelled");
    expect(after.sweep).toBeNull();
    for (const id of busy) await app!.client.research.cancel.mutate({ id });
    for (const id of busy) {
      await expect.poll(async () => (await app!.client.research.get.query({ id })).status, { timeout: 30_000 }).toBe("cancelled");
    }
  }, 120_000);
});
