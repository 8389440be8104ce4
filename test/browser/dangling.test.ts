// An imported flow with a link to a block it does not have: the link is drawn red to a stand-in for
// the missing block, can be clicked and deleted like any link, and the flow then compiles.
import { getTemplate } from "@keyflow/core";
import { describe, expect, it } from "vitest";
import { appForFile, openEditor, shot as shotOf, tid } from "./harness";

const held = appForFile();

describe("a link to a missing block", () => {
  it("is drawn red to a stand-in, and deleting it fixes the flow", async () => {
    const { app, page } = held;
    await openEditor(app);
    const flow = structuredClone(getTemplate("sma-cross")!.flow);
    flow.name = "Broken link";
    flow.edges.push({ id: "ghost", source: "fast", sourceHandle: "value", target: "gone", targetHandle: "a" });
    await page.click(tid("open-import"));
    await page.fill(tid("import-text"), JSON.stringify(flow));
    await page.click(tid("import-apply"));
    await page.waitForSelector(tid("missing-gone"));
    const dangling = page.locator(".react-flow__edge.dangling");
    await expect.poll(() => dangling.count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator(tid("compiles-ok")).count()).toBe(0);
    await shotOf(page, "dangling-01-red-link");

    // Click the link itself (its wide invisible hit area), then Delete.
    await dangling.locator(".react-flow__edge-interaction").click({ force: true });
    await expect.poll(() => page.locator(".react-flow__edge.dangling.selected").count(), { timeout: 5_000 }).toBe(1);
    await page.keyboard.press("Delete");
    await page.waitForSelector(tid("missing-gone"), { state: "detached" });
    await page.waitForSelector(tid("compiles-ok"));
    expect(await dangling.count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
  });
});
