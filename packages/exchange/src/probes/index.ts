// Which call tells Keyflow a key's rights on each exchange (ccxt ids). Exchanges not listed get a
// signed balance read (probe.ts): reading is then inferred, the other rights stay unknown.
import { binanceReader } from "./binance";
import { bitgetReader } from "./bitget";
import { bybitReader } from "./bybit";
import { coinbaseReader } from "./coinbase";
import { krakenReader } from "./kraken";
import { kucoinReader } from "./kucoin";
import { okxReader } from "./okx";
import type { PermissionReader } from "./reader";

export const PERMISSION_READERS: Readonly<Record<string, PermissionReader>> = {
  binance: binanceReader,
  okx: okxReader,
  myokx: okxReader,
  okxus: okxReader,
  bybit: bybitReader,
  coinbase: coinbaseReader,
  kucoin: kucoinReader,
  bitget: bitgetReader,
  kraken: krakenReader,
};

export { callImplicit, ProbeShapeError, type PermissionReader, type ProbeFindings } from "./reader";
