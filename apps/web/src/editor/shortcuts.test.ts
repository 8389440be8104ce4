import { describe, expect, it } from "vitest";
import { getTemplate } from "@keyflow/core";
import { createEditorStore } from "./store";
import { shortcutFor } from "./shortcuts";

const key = (k: string, mods: { ctrl?: boolean; shift?: boolean } = {}) => ({ key: k, ctrlKey: !!mods.ctrl, metaKey: false, shiftKey: !!mods.shift });

describe("keyboard shortcuts", () => {
  it("Delete removes the selection; Ctrl+Z brings it back; Ctrl+Shift+Z redoes", () => {
    const s = createEditorStore(structuredClone(getTemplate("sma-cross")!.flow));
    s.getState().select(["fast"]);
    shortcutFor(key("Delete"))!(s.getState());
    expect(s.getState().flow.nodes.some((n) => n.id === "fast")).toBe(false);
    shortcutFor(key("z", { ctrl: true }))!(s.getState());
    expect(s.getState().flow.nodes.some((n) => n.id === "fast")).toBe(true);
    shortcutFor(key("Z", { ctrl: true, shift: true }))!(s.getState());
    expect(s.getState().flow.nodes.some((n) => n.id === "fast")).toBe(false);
  });

  it("Ctrl+A, Ctrl+C, Ctrl+V duplicate the whole flow; plain letters do nothing", () => {
    const s = createEditorStore(structuredClone(getTemplate("sma-cross")!.flow));
    for (const k of ["a", "c", "v"]) shortcutFor(key(k, { ctrl: true }))!(s.getState());
    expect(s.getState().flow.nodes).toHaveLength(14);
    expect(s.getState().flow.edges).toHaveLength(16);
    expect(shortcutFor(key("v"))).toBeNull();
  });
});
