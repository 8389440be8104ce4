import { Session as Insp } from "node:inspector/promises";
const s = new Insp(); s.connect();
(globalThis as any).__startHeap = async () => { await s.post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as any); };
(globalThis as any).__stopHeap = async () => {
  const { profile } = await s.post("HeapProfiler.stopSampling") as any;
  const self = new Map<string, number>();
  const walk = (n: any, stack: string) => { const name = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-1)[0]}:${n.callFrame.lineNumber}`; if (n.selfSize) self.set(name, (self.get(name) ?? 0) + n.selfSize); for (const c of n.children) walk(c, name); };
  walk(profile.head, "");
  [...self].sort((a, b) => b[1] - a[1]).slice(0, 15).forEach(([k, v]) => console.log((v / 2 ** 20).toFixed(1).padStart(8), "MB", k));
};
