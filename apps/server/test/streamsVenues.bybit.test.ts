// The venue stream cases (streamCases.ts) on bybit's fake; one file per venue so vitest runs them side by side.
import { describe, vi } from "vitest";

// The venue's clock is the stream's (see botsVenues.test.ts): only Date is faked, timers stay real.
vi.hoisted(() => {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
});

import { streamCases } from "./streamCases";

describe("bots on bybit's streams (fake)", () => streamCases("bybit"));
