// Venues that keep a resting stop apart from ordinary orders, in a book of its own that the ordinary
// order endpoints do not show, under ids of its own: OKX's algo orders (trade/order-algo, named by
// algoClOrdId), Bitget's spot plan orders (trade/place-plan-order) and KuCoin's stop orders
// (/api/v1/stop-order, named by clientOid). Once its trigger is reached, such a stop places an ordinary
// market order with an id of its own; that order carries the fills. Read in ccxt 4.5.84's okx.js,
// bitget.js and kucoin.js.
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

/**
 * KuCoin: ccxt's createOrder sends a stopLossPrice / takeProfitPrice order to /api/v1/stop-order (stop
 * "loss" / "entry"), and its cancelOrder with `trigger` to stop-order/cancelOrderByClientOid. Its
 * fetchOrder with `trigger` asks stop-order/queryOrderByClientOid, whose answer is a list that ccxt
 * 4.5.84 reads as one order (and finds empty): the list's first entry is read through ccxt's own parser
 * instead. A stop reads NEW while it waits, TRIGGERED once it placed its order (ccxt calls both of the
 * latter and a cancelled one "cancelled"); the order it placed carries its clientOid in the ordinary book.
 */
const kucoin: TriggerBook = {
  placeParams: (kind, trigger) => ({ [kind === "stopLoss" ? "stopLossPrice" : "takeProfitPrice"]: trigger }),
  async find(ex, read, symbol, clientOrderId) {
    const market = ex.market(symbol);
    const api = ex as Exchange & { privateGetStopOrderQueryOrderByClientOid(params: Record<string, string>): Promise<{ data?: unknown }> };
    const r = await read(`fetchOrder ${clientOrderId} (stop)`, () => api.privateGetStopOrderQueryOrderByClientOid({ clientOid: clientOrderId, symbol: String(market.id) }));
    const first = Array.isArray(r.data) ? (r.data[0] as Record<string, unknown> | undefined) : undefined;
    if (!first) return null;
    // TRIGGERED counts as working until the order it placed is found: never as cancelled, which would sell again.
    const status = first["status"] === "NEW" || first["status"] === "TRIGGERED" ? "open" : "canceled";
    return { ...ex.parseOrder(first, market), status };
  },
  async placedOrderId(ex, read, stop) {
    if ((stop.info as Record<string, unknown> | undefined)?.["status"] !== "TRIGGERED") return undefined;
    // By our client id in the ordinary book (or, should the order keep the stop's id, by that).
    const lookups: [string, Record<string, unknown>][] = [["", { clientOrderId: stop.clientOrderId }], ...(stop.id ? [[stop.id, {}] as [string, Record<string, unknown>]] : [])];
    for (const [id, params] of lookups) {
      try {
        const placed = await read(`fetchOrder ${stop.clientOrderId} (placed by stop ${stop.id})`, () => ex.fetchOrder(id, stop.symbol, params));
        if (placed.id) return placed.id;
      } catch (e) {
        if (!(e instanceof OrderNotFound)) throw e;
      }
    }
    return undefined;
  },
};

const BOOKS: Readonly<Record<string, TriggerBook>> = { okx, bitget, kucoin };

/** The book where `exchangeId` keeps stops apart from ordinary orders; undefined where a stop is an ordinary order. */
export const triggerBook = (exchangeId: string): TriggerBook | undefined => BOOKS[exchangeId];
