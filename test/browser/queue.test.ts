// Settings shows where sweeps run: the queue at KEYFLOW_REDIS_URL with its workers and chunks.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendFromEnv } from "@keyflow/server";
import { startRedis, startWorkerProcess, type TestRedis } from "../../apps/server/test/redisServer";
import { shot, startApp, tid, type BrowserApp } from "./harness";

let app: BrowserApp | undefined;
let redis: TestRedis | undefined;
let worker: ChildProcess | undefined;
let dir = "";

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), "keyflow-queue-ui-"));
  app = await startApp({ research: { backend: backendFromEnv({ KEYFLOW_REDIS_URL: redis.url }) } });
}, 180_000);

afterAll(async () => {
  worker?.kill("SIGTERM");
  await app?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the queue in Settings", () => {
  it("shows the queue's address, then a worker once one connects, with its chunks by state", async () => {
    const page = app!.page;
    await page.goto(app!.url);
    await page.waitForSelector(tid("compiles-ok"));
    await page.click(tid("market-chip"));
    await page.waitForSelector(`${tid("queue-status")}[data-kind="queue"]`);
    expect(await page.textContent(tid("queue-status"))).toContain(redis!.url);
    expect(await page.textContent(tid("queue-status"))).toContain("no worker connected");
    worker = (await startWorkerProcess({ url: redis!.url, dataDir: join(dir, "w"), args: ["--concurrency", "1"] })).child;
    // Polled every 3 s.
    await page.waitForSelector(`${tid("queue-workers")}:has-text("1")`, { timeout: 20_000 });
    expect(await page.textContent(tid("queue-status"))).not.toContain("no worker connected");
    expect(await page.textContent(tid("queue-waiting"))).toContain("0");
    await page.locator(tid("queue-status")).scrollIntoViewIfNeeded();
    await shot(page, "queue-settings");
    expect(app!.pageErrors).toEqual([]);
  }, 120_000);
});
