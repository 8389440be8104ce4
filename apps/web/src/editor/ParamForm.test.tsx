import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { ParamForm } from "./ParamForm";
import { getBlock, paramFields, paramFieldsFor } from "@keyflow/core";

describe("param form generated from the block's zod schema", () => {
  it("reads labels, help, defaults, bounds and integer-ness from the schema", () => {
    const fields = paramFields(getBlock("macd")!);
    expect(fields.map((f) => f.key)).toEqual(["fast", "slow", "signal"]);
    expect(fields[0]).toMatchObject({ kind: "number", label: "Fast period", help: "Number of bars in the window", default: 12, min: 2, max: 5000, integer: true });
    const buy = paramFields(getBlock("buy")!);
    expect(buy[0]).toMatchObject({ kind: "enum", key: "sizeMode", options: ["percentEquity", "quote", "base", "default"], default: "percentEquity" });
    expect(buy[1]).toMatchObject({ kind: "number", key: "size", integer: false });
  });

  it("gives the newer indicators and the formula their forms from the catalogue alone", () => {
    expect(paramFields(getBlock("ichimoku")!).map((f) => f.key)).toEqual(["tenkanPeriod", "kijunPeriod", "spanBPeriod", "displacement"]);
    expect(paramFields(getBlock("sar")!)[0]).toMatchObject({ kind: "number", key: "acceleration", default: 0.02, integer: false });
    expect(paramFields(getBlock("kama")!)[0]).toMatchObject({ key: "period", min: 2, default: 10 });
    const formula = paramFields(getBlock("formula")!);
    expect(formula[0]).toMatchObject({ kind: "text", key: "expression", label: "Expression", default: "a - b" });
    expect(formula.slice(1).map((f) => f.key)).toEqual(["a", "b", "c", "d"]);
  });

  it("renders numbers with min/max, enums as selects, and help text", () => {
    render(<ParamForm fields={paramFields(getBlock("limitBuy")!)} values={{ offsetPct: 0.5, validBars: 5, sizeMode: "quote", size: 250 }} onChange={() => {}} />);
    const offset = screen.getByTestId("param-offsetPct") as HTMLInputElement;
    expect(offset.type).toBe("number");
    expect(offset.min).toBe("0");
    expect(offset.max).toBe("99");
    expect(screen.getByTestId("range-validBars").textContent).toContain("1 – 10,000, whole");
    expect(screen.getByTestId("range-size").textContent).toBe("0 – ∞");
    const select = screen.getByTestId("param-sizeMode") as HTMLSelectElement;
    expect(select.tagName).toBe("SELECT");
    expect(select.value).toBe("quote");
    expect([...select.options].map((o) => o.value)).toEqual(["percentEquity", "quote", "base", "default"]);
    expect(screen.getByText("Limit price = close × (1 − offset %)")).toBeTruthy();
    expect(screen.getByLabelText(/Below close %/)).toBe(offset);
  });

  it("shows the bound that holds for the chosen size unit: at most 100 % of equity", () => {
    const buy = getBlock("buy")!;
    render(<ParamForm fields={paramFieldsFor(buy, { sizeMode: "percentEquity", size: 150 })} values={{ sizeMode: "percentEquity", size: 150 }} onChange={() => {}} />);
    expect(screen.getByTestId("range-size").textContent).toBe("0 – 100");
    expect(screen.getByTestId("param-size").getAttribute("aria-invalid")).toBe("true");
  });

  it("sends numbers up as numbers and keeps unparsable text for the compiler to reject", () => {
    const onChange = vi.fn();
    render(<ParamForm fields={paramFields(getBlock("sma")!)} values={{ period: 20 }} onChange={onChange} />);
    const input = screen.getByTestId("param-period");
    fireEvent.change(input, { target: { value: "50" } });
    expect(onChange).toHaveBeenLastCalledWith("period", 50);
    fireEvent.change(input, { target: { value: "" } });
    expect(onChange).toHaveBeenLastCalledWith("period", "");
  });

  it("shows a compile error under its field instead of the help", () => {
    render(
      <ParamForm
        fields={paramFields(getBlock("sma")!)}
        values={{ period: 0 }}
        errors={[{ code: "badParam", nodeId: "sma-1", param: "period", message: "SMA: Period — Too small: expected number to be >=1." }]}
        onChange={() => {}}
      />,
    );
    expect(screen.getByTestId("param-error-period").textContent).toMatch(/Too small/);
    expect(screen.queryByText("Number of bars in the window")).toBeNull();
    expect(screen.getByTestId("param-period").getAttribute("aria-invalid")).toBe("true");
  });

  it("hides params whose input is connected, and says so when nothing is left", () => {
    render(<ParamForm fields={paramFields(getBlock("greaterThan")!)} values={{ value: 0 }} hidden={new Set(["value"])} onChange={() => {}} />);
    expect(screen.getByText("This block has no settings.")).toBeTruthy();
  });
});
