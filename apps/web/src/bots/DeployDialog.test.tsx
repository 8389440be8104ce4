import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { getTemplate } from "@keyflow/core";
import { editorStore } from "../editor/store";
import { setTransport } from "../lib/trpc";
import { fakeServer } from "../test/fakeServer";
import type { KeyView } from "../keys/types";
import type { BotView, DeployInput } from "./types";
import { DeployDialog, defaultRisk } from "./DeployDialog";
import { keyView } from "../test/keyView";

function key(id: string, label: string, liveAllowed: boolean, exchange = "binance"): KeyView {
  return keyView({
    id,
    exchange,
    label,
    maskedKey: `${id.slice(0, 4)}…wxyz`,
    permissions: { canRead: true, canTrade: liveAllowed, canWithdraw: false, ipRestricted: true, method: "binance-api-restrictions" },
    liveAllowed,
  });
}

const KEYS = [key("trade-key", "Binance trading", true), key("read-key", "Binance read-only", false), key("kraken-key", "Kraken", true, "kraken")];

const NUMBERS = { quote: "USDT", budget: 10_000, freeQuote: 25_000, firstOrderValues: [1_000], probation: { fraction: 0.1, trades: 5, days: 7, cap: 1_000 }, maxOrderValue: 10_000, minAmount: 0.00001, minOrderValue: 5, amountStep: 0.00001, priceStep: 0.01, takerFee: 0.001, flowFee: 0.001, keyAgeDays: 3, restingStops: "stop" as const, warmupBars: 500, warmupNeeded: 0 };
const PREFLIGHT_OK = { ok: true, refusals: [] as string[], warnings: [] as string[], numbers: NUMBERS };
let preflightAnswer = PREFLIGHT_OK;

let deploy: ReturnType<typeof vi.fn<(input: DeployInput) => Promise<BotView & { preflight: null }>>>;

beforeEach(() => {
  editorStore.getState().load(structuredClone(getTemplate("sma-cross")!.flow), "strategy-1");
  deploy = vi.fn(async (input: DeployInput) => ({ id: "bot-1", name: input.name ?? "SMA cross", mode: input.mode ?? "paper", preflight: null }) as BotView & { preflight: null });
  preflightAnswer = PREFLIGHT_OK;
  setTransport(fakeServer({ strategies: { list: () => [] }, keys: { list: () => KEYS }, bots: { deploy, preflight: () => preflightAnswer } }));
});

afterEach(() => setTransport(null));

function renderDialog() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const onClose = vi.fn();
  render(
    <QueryClientProvider client={qc}>
      <DeployDialog onClose={onClose} />
    </QueryClientProvider>,
  );
  return { onClose };
}

const click = (id: string) => act(async () => void fireEvent.click(screen.getByTestId(id)));

describe("deploy dialog", () => {
  it("is paper by default and deploys paper without a key or a confirmation", async () => {
    const { onClose } = renderDialog();
    expect(screen.getByTestId("mode-paper").getAttribute("aria-checked")).toBe("true");
    expect(screen.getByTestId("mode-live").getAttribute("aria-checked")).toBe("false");
    // The template's demo market cannot be traded: the dialog proposes an exchange market.
    expect((screen.getByTestId("deploy-exchange") as HTMLSelectElement).value).toBe("binance");
    expect((screen.getByTestId("deploy-symbol") as HTMLInputElement).value).toBe("BTC/USDT");
    expect(screen.queryByTestId("deploy-key")).toBeNull();
    await click("deploy-submit");
    expect(deploy).toHaveBeenCalledTimes(1);
    const input = deploy.mock.calls[0]![0];
    expect(input).toMatchObject({ mode: "paper", strategyId: "strategy-1", market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" }, risk: defaultRisk(10_000), settings: { initialCash: 10_000 } });
    expect(input).not.toHaveProperty("keyId");
    expect(input).not.toHaveProperty("confirmLive");
    expect(onClose).toHaveBeenCalled();
  });

  it("live needs a key that may trade, then a step that says real money is at risk and an explicit tick", async () => {
    renderDialog();
    await click("mode-live");
    const select = screen.getByTestId("deploy-key") as HTMLSelectElement;
    await waitFor(() => expect(select.options.length).toBe(3));
    const review = screen.getByTestId("deploy-review-live") as HTMLButtonElement;
    expect(review.disabled).toBe(true);
    expect(screen.getByTestId("deploy-blocked").textContent).toMatch(/Choose the key/);
    // Only this exchange's keys; one that may not trade cannot be picked.
    const options = [...select.options].map((o) => ({ value: o.value, disabled: o.disabled }));
    expect(options).toEqual([
      { value: "", disabled: false },
      { value: "trade-key", disabled: false },
      { value: "read-key", disabled: true },
    ]);
    fireEvent.change(select, { target: { value: "trade-key" } });
    expect(review.disabled).toBe(false);
    await click("deploy-review-live");

    expect(screen.getByTestId("live-confirm")).toBeTruthy();
    expect(screen.getByTestId("live-warning").textContent).toContain("Real money is at risk");
    expect(screen.getByTestId("live-warning").textContent).toContain("Binance trading");
    const go = screen.getByTestId("live-deploy") as HTMLButtonElement;
    expect(go.disabled).toBe(true);
    await click("live-deploy");
    expect(deploy).not.toHaveBeenCalled();

    await click("live-ack");
    // The exchange's pre-flight is shown before the button can send.
    await waitFor(() => expect(screen.getByTestId("preflight").getAttribute("data-ok")).toBe("true"));
    expect(screen.getByTestId("preflight").textContent).toMatch(/Free USDT25,000(\.00)? USDT \(budget 10,000/);
    // A new live bot starts small: the review says by how much.
    expect(screen.getByTestId("preflight").textContent).toMatch(/Start smallentries capped at 10 % of the budget \(1,000(\.00)? USDT\) until you lift the cap/);
    expect(go.disabled).toBe(false);
    await click("live-deploy");
    expect(deploy).toHaveBeenCalledTimes(1);
    expect(deploy.mock.calls[0]![0]).toMatchObject({ mode: "live", keyId: "trade-key", confirmLive: true, market: { exchange: "binance", symbol: "BTC/USDT" } });
  });

  it("going back from the confirmation deploys nothing and asks again next time", async () => {
    renderDialog();
    await click("mode-live");
    await waitFor(() => expect((screen.getByTestId("deploy-key") as HTMLSelectElement).options.length).toBe(3));
    fireEvent.change(screen.getByTestId("deploy-key"), { target: { value: "trade-key" } });
    await click("deploy-review-live");
    await click("live-ack");
    await click("live-back");
    expect(screen.queryByTestId("live-confirm")).toBeNull();
    await click("deploy-review-live");
    expect((screen.getByTestId("live-ack") as HTMLInputElement).checked).toBe(false);
    expect((screen.getByTestId("live-deploy") as HTMLButtonElement).disabled).toBe(true);
    expect(deploy).not.toHaveBeenCalled();
  });

  it("refuses bad risk limits; a blank one means no limit", async () => {
    renderDialog();
    fireEvent.change(screen.getByTestId("deploy-maxOrderValue"), { target: { value: "-5" } });
    expect((screen.getByTestId("deploy-submit") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("deploy-blocked").textContent).toMatch(/Risk limits/);
    fireEvent.change(screen.getByTestId("deploy-maxOrderValue"), { target: { value: "" } });
    fireEvent.change(screen.getByTestId("deploy-maxOrdersPerHour"), { target: { value: "6" } });
    await click("deploy-submit");
    expect(deploy.mock.calls[0]![0].risk).toEqual({ ...defaultRisk(10_000), maxOrderValue: null, maxOrdersPerHour: 6 });
  });

  it("a live bot the pre-flight refuses cannot be sent, and the refusal says what to change", async () => {
    preflightAnswer = { ok: false, refusals: ["The budget (10,000 USDT) is above the free USDT balance on binance (4,000 USDT): lower the budget to at most 4,000 USDT, or add funds."], warnings: [], numbers: { ...NUMBERS, freeQuote: 4_000 } };
    renderDialog();
    await click("mode-live");
    const select = screen.getByTestId("deploy-key") as HTMLSelectElement;
    await waitFor(() => expect(select.options.length).toBe(3));
    fireEvent.change(select, { target: { value: "trade-key" } });
    await click("deploy-review-live");
    await click("live-ack");
    await waitFor(() => expect(screen.getByTestId("preflight").getAttribute("data-ok")).toBe("false"));
    expect(screen.getByTestId("preflight-refusal").textContent).toMatch(/lower the budget to at most 4,000 USDT/);
    expect((screen.getByTestId("live-deploy") as HTMLButtonElement).disabled).toBe(true);
    await click("live-deploy");
    expect(deploy).not.toHaveBeenCalled();
  });
});
