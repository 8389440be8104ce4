// Moving averages beyond SMA/EMA/WMA: one series in, one line out, drawn over the price.
import { Dema, Hma, Kama, Tema } from "../indicators";
import { periodIndicator } from "./indicators";

export const dema = periodIndicator(
  "dema",
  "DEMA",
  "Double EMA: 2 × EMA − EMA of the EMA, less lag than an EMA of the same period (TA-Lib DEMA).",
  20,
  (n) => new Dema(n),
  "overlay",
  ["double exponential moving average", "double ema", "moving average"],
);

export const tema = periodIndicator(
  "tema",
  "TEMA",
  "Triple EMA: 3 × EMA − 3 × EMA² + EMA³, even less lag (TA-Lib TEMA).",
  20,
  (n) => new Tema(n),
  "overlay",
  ["triple exponential moving average", "triple ema", "moving average"],
);

export const kama = periodIndicator(
  "kama",
  "KAMA",
  "Kaufman adaptive moving average: fast when the price trends, nearly still when it chops (TA-Lib KAMA, fast 2, slow 30).",
  10,
  (n) => new Kama(n),
  "overlay",
  ["kaufman adaptive moving average", "adaptive moving average", "efficiency ratio", "moving average"],
  2,
);

export const hma = periodIndicator(
  "hma",
  "HMA",
  "Hull moving average: WMA of 2 × WMA(N/2) − WMA(N) over √N bars; smooth with little lag.",
  20,
  (n) => new Hma(n),
  "overlay",
  ["hull moving average", "hull", "moving average"],
  2,
);
