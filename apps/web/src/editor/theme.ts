import type { BlockCategory, PortType } from "@keyflow/core";

export const CATEGORY_COLOR: Record<BlockCategory, string> = {
  source: "var(--c-source)",
  indicator: "var(--c-indicator)",
  math: "var(--c-math)",
  condition: "var(--c-condition)",
  logic: "var(--c-logic)",
  action: "var(--c-action)",
  risk: "var(--c-risk)",
};

export const CATEGORY_LABEL: Record<BlockCategory, string> = {
  source: "Sources",
  indicator: "Indicators",
  math: "Math",
  condition: "Conditions",
  logic: "Logic",
  action: "Orders",
  risk: "Risk",
};

export const PORT_LABEL: Record<PortType, string> = {
  series: "Number series",
  signal: "True / false signal",
  order: "Order (for risk blocks)",
};

/** Hex colours for places CSS variables do not reach (SVG previews, charts). */
export const CATEGORY_HEX: Record<BlockCategory, string> = {
  source: "#8a96a8",
  indicator: "#4ea4ff",
  math: "#3ec7c0",
  condition: "#f3b53f",
  logic: "#f08a4b",
  action: "#26c281",
  risk: "#f0616d",
};
