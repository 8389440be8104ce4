import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { KeyCard } from "./KeyCard";
import { setTransport, trpc } from "../lib/trpc";
import { fakeServer } from "../test/fakeServer";
import type { KeyView } from "./types";
import { keyView } from "../test/keyView";

type ConfirmNoWithdraw = (input: { id: string }) => Promise<KeyView>;

const UNCONFIRMED: KeyView = keyView({
  id: "k9",
  exchange: "binanceus",
  label: "US key",
  permissions: {
    canRead: true,
    canTrade: "unknown",
    canWithdraw: "unknown",
    ipRestricted: "unknown",
    method: "signed-read",
    sources: { canRead: "inferred", canTrade: "unknown", canWithdraw: "unknown", ipRestricted: "unknown" },
  },
  warnings: ["Keyflow could not check whether this key can withdraw: it may run paper bots only."],
  liveAllowed: false,
  needsWithdrawConfirmation: true,
});

function renderCard(k: KeyView, confirmNoWithdraw: ConfirmNoWithdraw) {
  setTransport(
    fakeServer({
      keys: {
        list: () => [k],
        probe: () => k,
        confirmNoWithdraw,
        remove: () => undefined as never,
      },
    }),
  );
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  qc.setQueryData(trpc.keys.list.queryKey(), [k]);
  const view = render(
    <QueryClientProvider client={qc}>
      <KeyCard k={k} />
    </QueryClientProvider>,
  );
  return { ...view, qc };
}

afterEach(() => setTransport(null));

describe("key card: withdrawals the exchange does not report", () => {
  it("offers the confirmation only while it is needed, sends it once and shows the confirmed key", async () => {
    const confirmed: KeyView = { ...UNCONFIRMED, liveAllowed: true, needsWithdrawConfirmation: false, withdrawOffConfirmedAt: Date.now() };
    const confirm = vi.fn<ConfirmNoWithdraw>(async () => confirmed);
    const { qc } = renderCard(UNCONFIRMED, confirm);
    expect(screen.getByTestId("perm-read").getAttribute("title")).toBe("Read: inferred from a signed call that succeeded");
    expect(screen.getByTestId("perm-withdraw").getAttribute("title")).toBe("Withdrawal unknown: the exchange cannot say");
    fireEvent.click(screen.getByTestId("key-confirm-no-withdraw-checkbox"));
    await waitFor(() => expect(qc.getQueryData(trpc.keys.list.queryKey())?.[0]?.liveAllowed).toBe(true));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(confirm).toHaveBeenCalledWith({ id: "k9" });
  });

  it("shows no confirmation on a key whose exchange reports withdrawals, and says when one was given", () => {
    renderCard({ ...UNCONFIRMED, needsWithdrawConfirmation: false, withdrawOffConfirmedAt: Date.now() }, vi.fn<ConfirmNoWithdraw>());
    expect(screen.queryByTestId("key-confirm-no-withdraw")).toBeNull();
    expect(screen.getByTestId("key-withdraw-confirmed").textContent).toMatch(/Withdrawals confirmed off by you/);
  });
});
