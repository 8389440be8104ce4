import { afterEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { AddKeyForm } from "./AddKeyForm";
import { setTransport } from "../lib/trpc";
import { fakeServer } from "../test/fakeServer";
import type { Capabilities, Credentials, KeyView, Requirements } from "./types";
import { keyView } from "../test/keyView";

type Add = (input: Credentials & { exchange: string; label?: string }) => Promise<KeyView>;

const SECRET = "s3cr3t-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const API_KEY = "AbCdEfGh1234567890IjKlMnOp";

const REQUIREMENTS: Record<string, Requirements> = {
  binance: { apiKey: true, secret: true, password: false, uid: false },
  okx: { apiKey: true, secret: true, password: true, uid: false },
};

const CAPABILITIES: Record<string, Capabilities> = {
  binance: { name: "Binance", permissionsReported: true, ipWhitelistReported: true, testnet: true, passphrase: false, keysUrl: "https://keys.binance.example/", testnetKeysUrl: "https://testnet.binance.example/" },
  okx: { name: "OKX", permissionsReported: true, ipWhitelistReported: true, testnet: true, passphrase: true, keysUrl: "https://keys.okx.example/", testnetKeysUrl: "https://keys.okx.example/" },
  coinbase: { name: "Coinbase Advanced", permissionsReported: true, ipWhitelistReported: false, testnet: false, passphrase: false, keysUrl: "https://keys.coinbase.example/", testnetKeysUrl: null },
};

const KEY: KeyView = keyView({
  id: "k1",
  label: "Binance trading",
  permissions: { canRead: true, canTrade: true, canWithdraw: false, ipRestricted: false, method: "binance-api-restrictions" },
  warnings: ["This API key has no IP whitelist: anyone who obtains it can use it from anywhere."],
});

function renderForm(add: Add) {
  setTransport(
    fakeServer({
      keys: {
        requirements: ({ exchange }) => {
          const r = REQUIREMENTS[exchange];
          if (!r) throw new Error(`Unknown exchange "${exchange}".`);
          return r;
        },
        capabilities: ({ exchange }) => CAPABILITIES[exchange] ?? { ...CAPABILITIES["binance"]!, name: exchange.toUpperCase(), permissionsReported: false, ipWhitelistReported: false, testnet: false, keysUrl: null, testnetKeysUrl: null },
        list: () => [],
        add,
      },
    }),
  );
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const onAdded = vi.fn();
  const view = render(
    <QueryClientProvider client={qc}>
      <AddKeyForm onAdded={onAdded} />
    </QueryClientProvider>,
  );
  return { ...view, onAdded };
}

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;
/** The exchange's requirements arrived: the form may be submitted. */
const ready = () => waitFor(() => expect((screen.getByTestId("add-key-submit") as HTMLButtonElement).disabled).toBe(false));

afterEach(() => setTransport(null));

describe("add-key form", () => {
  it("asks for the credential fields the exchange requires, as password inputs without autocomplete", async () => {
    renderForm(vi.fn());
    await screen.findByTestId("add-key-apiKey");
    expect(screen.queryByTestId("add-key-password")).toBeNull();
    for (const id of ["add-key-apiKey", "add-key-secret"]) {
      expect(input(id).type).toBe("password");
      expect(input(id).getAttribute("autocomplete")).toBe("off");
    }
    fireEvent.change(screen.getByTestId("add-key-exchange"), { target: { value: "okx" } });
    const passphrase = await screen.findByTestId("add-key-password");
    expect((passphrase as HTMLInputElement).type).toBe("password");
    expect(screen.getByText("Passphrase")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("add-key-verifies").textContent).toMatch(/On OKX Keyflow can verify: ✓ the key's permissions · ✓ its IP whitelist · testnet available · needs the key's passphrase/));
    expect(screen.getByTestId("add-key-testnet")).toBeTruthy();
  });

  it("lists the exchanges by name with what Keyflow verifies on each and where keys are made; a row picks the exchange", async () => {
    renderForm(vi.fn<Add>());
    const select = input("add-key-exchange") as unknown as HTMLSelectElement;
    await waitFor(() => expect([...select.options].map((o) => o.textContent)).toContain("Coinbase Advanced"));
    expect([...select.options].slice(0, 4).map((o) => [o.value, o.textContent])).toEqual([
      ["binance", "Binance"],
      ["binanceus", "BINANCEUS"],
      ["bybit", "BYBIT"],
      ["okx", "OKX"],
    ]);
    const row = (id: string) => screen.getAllByTestId("add-key-exchange-row").find((r) => r.getAttribute("data-exchange") === id)!;
    const cells = (id: string) => [...row(id).querySelectorAll("td")].map((td) => td.textContent);
    expect(cells("okx")).toEqual(["OKX", "✓", "✓", "✓", "yes", "↗"]);
    expect(cells("coinbase")).toEqual(["Coinbase Advanced", "✓", "—", "—", "", "↗"]);
    expect(row("coinbase").querySelector("a")!.getAttribute("href")).toBe("https://keys.coinbase.example/");
    // The chosen exchange's line links to its key page; a testnet key to the testnet's.
    await waitFor(() => expect(screen.getByTestId("add-key-create-link").getAttribute("href")).toBe("https://keys.binance.example/"));
    fireEvent.click(screen.getByTestId("add-key-testnet-checkbox"));
    expect(screen.getByTestId("add-key-create-link").getAttribute("href")).toBe("https://testnet.binance.example/");
    expect(screen.getByTestId("add-key-create-link").textContent).toBe("create a testnet key on Binance ↗");
    fireEvent.click(row("okx"));
    expect(select.value).toBe("okx");
    await waitFor(() => expect(screen.getByTestId("add-key-verifies").textContent).toMatch(/On OKX Keyflow can verify/));
    expect(row("okx").className).toBe("active");
  });

  it("sends the credentials once and empties the inputs the moment it submits; the secret is never in the DOM", async () => {
    let inputsWhenSent: string[] = [];
    const add = vi.fn<Add>(async () => {
      // The request is under way: nothing typed may still be in the form.
      inputsWhenSent = [input("add-key-apiKey").value, input("add-key-secret").value];
      return KEY;
    });
    const { container, onAdded } = renderForm(add);
    await ready();
    fireEvent.change(input("add-key-label"), { target: { value: "Binance trading" } });
    fireEvent.change(input("add-key-apiKey"), { target: { value: API_KEY } });
    fireEvent.change(input("add-key-secret"), { target: { value: SECRET } });
    // Typed, not yet sent: the value lives in the input, never in an attribute of the HTML.
    expect(container.innerHTML).not.toContain(SECRET);
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-key-submit"));
    });
    await waitFor(() => expect(onAdded).toHaveBeenCalledWith(KEY));
    expect(add).toHaveBeenCalledTimes(1);
    expect(add).toHaveBeenCalledWith({ exchange: "binance", label: "Binance trading", apiKey: API_KEY, secret: SECRET });
    expect(inputsWhenSent).toEqual(["", ""]);
    expect(input("add-key-secret").value).toBe("");
    expect(input("add-key-apiKey").value).toBe("");
    expect(input("add-key-label").value).toBe("");
    expect(container.innerHTML).not.toContain(SECRET);
    expect(container.innerHTML).not.toContain(API_KEY);
  });

  it("shows the server's refusal of a withdraw-capable key, and has already forgotten its secret", async () => {
    const message =
      "This API key can withdraw funds. Keyflow refuses keys with withdrawal permission: create a key without withdrawal permission and add that one instead.";
    const add = vi.fn<Add>(async () => {
      throw Object.assign(new Error(message), { data: { code: "BAD_REQUEST", userError: { message, kind: "key", reason: "withdraw" } } });
    });
    const { container } = renderForm(add);
    await ready();
    fireEvent.change(input("add-key-apiKey"), { target: { value: API_KEY } });
    fireEvent.change(input("add-key-secret"), { target: { value: SECRET } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-key-submit"));
    });
    const refusal = await screen.findByTestId("add-key-refusal");
    expect(refusal.getAttribute("data-reason")).toBe("withdraw");
    expect(refusal.textContent).toContain("Refused: this key can withdraw funds");
    expect(refusal.textContent).toContain("create a key without withdrawal permission");
    expect(input("add-key-secret").value).toBe("");
    expect(container.innerHTML).not.toContain(SECRET);
  });

  it("sends nothing while a required field is empty, and says which", async () => {
    const add = vi.fn<Add>(async () => KEY);
    renderForm(add);
    await ready();
    fireEvent.change(input("add-key-apiKey"), { target: { value: API_KEY } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-key-submit"));
    });
    expect(add).not.toHaveBeenCalled();
    expect(screen.getByTestId("add-key-missing").textContent).toBe("Fill in the secret.");
  });
});
