import { getBlock, paramFieldsOf, type BlockDef, type FlowNode } from "@keyflow/core";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacementOptions {
  /** Positions snap to this grid (the canvas's snap grid). */
  grid?: number;
  /** Free space kept around a new block so its ports stay clear of its neighbours'. */
  gap?: number;
  /** How far from the centre to look, in grid steps, before giving up and going right of everything. */
  reach?: number;
}

const intersects = (a: Rect, b: Rect, gap: number) => a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

const stepCache = new Map<number, readonly [number, number][]>();

/** Grid offsets within `reach` steps, nearest first; on a tie, right of and below the centre first (where a flow grows). */
function stepsWithin(reach: number): readonly [number, number][] {
  let steps = stepCache.get(reach);
  if (!steps) {
    const all: [number, number][] = [];
    for (let dx = -reach; dx <= reach; dx++) for (let dy = -reach; dy <= reach; dy++) all.push([dx, dy]);
    all.sort((a, b) => a[0] ** 2 + a[1] ** 2 - (b[0] ** 2 + b[1] ** 2) || b[0] - a[0] || b[1] - a[1]);
    stepCache.set(reach, (steps = all));
  }
  return steps;
}

/**
 * Where a new block of `size` goes: the free grid position nearest to `centre` (its own centre on
 * it when that spot is free), never overlapping `occupied` blocks.
 */
export function freeSpot(centre: { x: number; y: number }, size: { width: number; height: number }, occupied: readonly Rect[], opts: PlacementOptions = {}): { x: number; y: number } {
  const grid = opts.grid ?? 16;
  const gap = opts.gap ?? 16;
  const reach = opts.reach ?? 40;
  const snap = (v: number) => Math.round(v / grid) * grid;
  const origin = { x: snap(centre.x - size.width / 2), y: snap(centre.y - size.height / 2) };
  const fits = (x: number, y: number) => !occupied.some((r) => intersects({ x, y, ...size }, r, gap));
  for (const [dx, dy] of stepsWithin(reach)) {
    const x = origin.x + dx * grid;
    const y = origin.y + dy * grid;
    if (fits(x, y)) return { x, y };
  }
  const right = Math.max(...occupied.map((r) => r.x + r.width));
  return { x: snap(right + gap * 2), y: origin.y };
}

/**
 * A block's size before it is drawn, on the generous side so it clears its neighbours: .bn's width;
 * a title, a row per param and port, and room for the "connect something" error a new block shows.
 */
export function sizeBeforeDrawn(block: BlockDef): { width: number; height: number } {
  return { width: 188, height: 44 + 22 * (paramFieldsOf(block.kind).length + Math.max(block.inputs.length, block.outputs.length)) + 56 };
}

/** A block's drawn size, or its estimate while React Flow has not measured it. */
export function blockSize(rf: { getInternalNode(id: string): { measured?: { width?: number; height?: number } } | undefined }, node: FlowNode): { width: number; height: number } {
  const measured = rf.getInternalNode(node.id)?.measured;
  const block = getBlock(node.kind);
  const estimate = block ? sizeBeforeDrawn(block) : { width: 188, height: 120 };
  return { width: measured?.width ?? estimate.width, height: measured?.height ?? estimate.height };
}
