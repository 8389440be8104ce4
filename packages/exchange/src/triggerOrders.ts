// Venues that keep a resting stop apart from ordinary orders, in a book of its own that the ordinary
// order endpoints do not show, under ids of its own: OKX's algo orders (trade/order-algo, named by
// algoClOrdId) and Bitget's spot plan orders (trade/place-plan-order). Once its trigger is reached,
// such a stop places an ordinary market order with an id of its own; that order carries the fills.
// Read in ccxt 4.5.84's okx.js and bitget.js.
import type { Exchange, Order } from "ccxt";
import { OrderNotFound } from "ccxt";

/** How the gateway reads (through its retrier): a label for the logs and the call. */
export type Read = <T>(label: string, fn: () => Promise<T>) => Promise<T>;

export interface TriggerBook {
  /**
   * createOrder params that make ccxt place the stop in that book. OKX: stopLossPrice / takeProfitPrice
   * (an algo of ordType "conditional", market order price), our id as algoClOrdId (ccxt sends only
   * clOrdId). Bitget: triggerPrice (ccxt refuses stopLossPrice on spot) on the last traded price
   * ("fill_price"; ccxt's default is the mark price); Bitget tells a stop loss from a take profit by
   * where the trigger lies from the last price, so both kinds are one plan order.
   */
  placeParams(kind: "stopLoss" | "takeProfit", trigger: number, clientOrderId: string): Record<string, unknown>;
  /** The stop with this client id as the venue reports it, or null when the venue has none. */
  find(ex: Exchange, read: Read, symbol: string, clientOrderId: string): Promise<Order | null>;
  /** The id of the ordinary order a triggered stop placed; undefined while it waits (or if it never triggered). */
  placedOrderId(ex: Exchange, read: Read, stop: Order): Promise<string | undefined>;
}

const okx: TriggerBook = {
  placeParams: (kind, trigger, clientOrderId) => ({ [kind === "stopLoss" ? "stopLossPrice" : "takeProfitPrice"]: trigger, algoClOrdId: clientOrderId }),
  async find(ex, read, symbol, clientOrderId) {
    try {
      return await read(`fetchOrder ${clientOrderId} (algo)`, () => ex.fetchOrder("", symbol, { clientOrderId, trigger: true }));
    } catch (e) {
      if (e instanceof OrderNotFound) return null;
      throw e;
    }
  },
  // A triggered algo names the order it placed in ordId (ccxt reports the algo under its algoId).
  placedOrderId: async (_ex, _read, stop) => {
    const ordId = (stop.info as Record<string, unknown> | undefined)?.["ordId"];
    return typeof ordId === "string" && ordId !== "" ? ordId : undefined;
  },
};

/**
 * Bitget: ccxt's fetchOrder does not reach plan orders (features.spot.fetchOrder.trigger false), so a
 * stop is looked up by its client id (clientOid) among the symbol's current plan orders, then its
 * history (ccxt asks for the last 90 days). An executed plan names the spot order it placed only
 * through trade/plan-sub-order, which ccxt 4.5.84 does not list: it is sent as a signed request of
 * ccxt's own (same signing and rate limit as every private spot call).
 */
const bitget: TriggerBook = {
  placeParams: (_kind, trigger) => ({ triggerPrice: trigger, triggerType: "fill_price" }),
  async find(ex, read, symbol, clientOrderId) {
    const open = await read(`fetchOpenOrders ${symbol} (plan)`, () => ex.fetchOpenOrders(symbol, undefined, undefined, { trigger: true }));
    const live = open.filter((o) => o.clientOrderId === clientOrderId).at(-1);
    if (live) return live;
    const done = await read(`fetchCanceledAndClosedOrders ${symbol} (plan)`, () => ex.fetchCanceledAndClosedOrders(symbol, undefined, undefined, { trigger: true }));
    // ccxt sorts by time: the last match is the latest stop under that id.
    return done.filter((o) => o.clientOrderId === clientOrderId).at(-1) ?? null;
  },
  async placedOrderId(ex, read, stop) {
    // Executed (ccxt: closed), still executing (ccxt passes "executing" through) or failed: ask; waiting or cancelled: none.
    if (stop.status === "open" || stop.status === "canceled") return undefined;
    const r = (await read(`plan-sub-order ${stop.id}`, () => ex.request("v2/spot/trade/plan-sub-order", ["private", "spot"], "GET", { planOrderId: stop.id }))) as { data?: { orderId?: unknown }[] };
    const id = r.data?.[0]?.orderId;
    return typeof id === "string" && id !== "" ? id : undefined;
  },
};

const BOOKS: Readonly<Record<string, TriggerBook>> = { okx, bitget };

/** The book where `exchangeId` keeps stops apart from ordinary orders; undefined where a stop is an ordinary order. */
export const triggerBook = (exchangeId: string): TriggerBook | undefined => BOOKS[exchangeId];
