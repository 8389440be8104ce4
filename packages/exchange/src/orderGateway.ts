// How a live bot talks to its exchange: orders rounded and checked before sending, every call through
// the retrier, and a send whose outcome is unknown reported as such — never resent.
import ccxt, { OrderNotFound, type Balances, type Exchange, type Market, type MarketInterface, type Order, type Trade } from "ccxt";
import { classifyError, isTransient, UnknownOutcomeError, type ErrorKind } from "./errors";
import { redact, secretsOf } from "./redact";
import { Retrier } from "./retry";
import { cancelByClientIdParams, cancelsByExchangeIdOnly, placeByClientIdParams } from "./clientOrderId";
import { triggerBook, type Read, type TriggerBook } from "./triggerOrders";

export interface OrderRequest {
  /** Unified symbol, e.g. "BTC/USDT". */
  symbol: string;
  side: "buy" | "sell";
  type: "market" | "limit";
  /** Base-currency amount; rounded DOWN to the market's step before sending. */
  amount: number;
  /** Limit price (required for limit orders); rounded to the market's tick. */
  price?: number;
  /** Market orders only: a recent price (e.g. the last close) for the local min-cost check; never sent. */
  referencePrice?: number;
  /** From clientOrderId(botId, barTime, intent). */
  clientOrderId: string;
  /**
   * A resting order that waits on the exchange until the price reaches `price`, then executes as a
   * market order: a stop loss (sells when the price falls to it) or a take profit (rises to it).
   * Only for market orders on exchanges `stopSupport` says can hold them.
   */
  trigger?: { kind: "stopLoss" | "takeProfit"; price: number };
}

/**
 * Which protective orders the exchange can hold for a market (ccxt `has` and, where the market lists
 * them, its order types): "oco" — a stop loss and a take profit as one order list (Binance spot);
 * "stop" — one stop-market order; null — none (stops are checked on closed candles instead).
 */
export function stopSupport(ex: Exchange, market: MarketInterface): "oco" | "stop" | null {
  if (market.spot === false) return null;
  if (!(ex.has["createStopLossOrder"] || ex.has["createStopMarketOrder"] || ex.has["createTriggerOrder"])) return null;
  const info = (market.info ?? {}) as Record<string, unknown>;
  const types = Array.isArray(info["orderTypes"]) ? (info["orderTypes"] as string[]) : undefined;
  if (types && !types.includes("STOP_LOSS")) return null;
  if (ex.id.startsWith("binance") && info["ocoAllowed"] === true && types?.includes("TAKE_PROFIT")) return "oco";
  return "stop";
}

export type OrderStatus = "open" | "closed" | "canceled" | "expired" | "rejected";

export interface OrderSnapshot {
  id: string;
  clientOrderId: string | undefined;
  symbol: string;
  side: "buy" | "sell";
  type: string;
  /** "open" includes partially filled orders (filled > 0). */
  status: OrderStatus;
  amount: number;
  filled: number;
  remaining: number;
  price: number | undefined;
  /** A resting stop's trigger price, where the exchange reports it. */
  triggerPrice?: number;
  /** Average fill price. */
  average: number | undefined;
  /** Quote spent or received so far. */
  cost: number;
  timestamp: number | undefined;
}

export interface TradeSnapshot {
  id: string;
  orderId: string | undefined;
  symbol: string;
  side: "buy" | "sell";
  price: number;
  amount: number;
  cost: number;
  fee: { cost: number; currency: string } | undefined;
  takerOrMaker: "taker" | "maker" | undefined;
  timestamp: number;
}

export interface BalanceSnapshot {
  free: Record<string, number>;
  used: Record<string, number>;
  total: Record<string, number>;
}

/** Why an order was not placed: a local check, or the exchange's (or transport's) definite refusal. */
export type RejectReason = ErrorKind | "unknown-market" | "below-min-amount" | "above-max-amount" | "below-min-cost" | "missing-price";

export type PlaceOrderResult =
  /**
   * Accepted by the exchange. `sent` is exactly what went on the wire after rounding; `cost` is the quote
   * a market buy was sent to spend on exchanges that size market buys in the quote (Bitget, Coinbase).
   */
  | { status: "placed"; order: OrderSnapshot; sent: { amount: string; price: string | undefined; cost?: string } }
  /** Definitely NOT on the exchange: safe to decide again. */
  | { status: "rejected"; reason: RejectReason; message: string }
  /** May or may not be on the exchange: look it up with findOrderByClientId, never resend blindly. */
  | { status: "unknown"; symbol: string; clientOrderId: string; message: string };

/** A sell of `amount` that rests as two legs of one list: a stop loss below and a take profit above; one executing cancels the other. */
export interface OcoRequest {
  symbol: string;
  amount: number;
  stopPrice: number;
  takeProfitPrice: number;
  /** Client order ids of the list and of its two legs. */
  listClientOrderId: string;
  stopClientOrderId: string;
  takeProfitClientOrderId: string;
}

export type PlaceOcoResult =
  | { status: "placed"; stopOrderId: string; takeProfitOrderId: string; sent: { amount: string; stopPrice: string; takeProfitPrice: string } }
  | { status: "rejected"; reason: RejectReason; message: string }
  | { status: "unknown"; message: string };

/**
 * A working order moved to a new price (a trailing stop raised, a resting limit re-priced): same
 * symbol, side and amount; a new client order id of its own, so the amendment is journalled and found
 * again like any order.
 */
export interface AmendRequest {
  symbol: string;
  /** The exchange's id of the order being amended. */
  id: string;
  /** Our client order id of the order being amended. */
  clientOrderId: string;
  /** The client order id the amended order carries from now on. */
  newClientOrderId: string;
  side: "buy" | "sell";
  type: "market" | "limit";
  amount: number;
  /** The new limit price (limit orders). */
  price?: number;
  /** The new trigger price (a resting stop loss). */
  trigger?: { kind: "stopLoss"; price: number };
}

/**
 * How an exchange moves a working order in place, by what ccxt 4.5's `editOrder` really sends there:
 * "replace" — one atomic request that cancels the order and places its successor under a new id and
 * our new client order id (Binance spot POST /api/v3/order/cancelReplace, where the market lists
 * cancelReplaceAllowed);
 * "in-place" — the order itself is amended and keeps its exchange id and client order id (OKX
 * POST /api/v5/trade/amend-order, or trade/amend-algos for a trigger order; Bybit POST /v5/order/amend;
 * a Bitget stop, a plan order: POST /api/v2/spot/trade/modify-plan-order);
 * null — no edit Keyflow trusts for this order: cancel, then place (the gap is measured).
 * `what`: a resting stop, or an ordinary (limit) order.
 */
export type AmendSupport = "replace" | "in-place" | null;

export function amendSupport(ex: Exchange, market: MarketInterface, what: "stop" | "order" = "order"): AmendSupport {
  if (!ex.has["editOrder"] || market.spot === false) return null;
  const info = (market.info ?? {}) as Record<string, unknown>;
  // Binance spot: cancelReplace keeps one order working throughout; a stop is re-sent as STOP_LOSS.
  if (ex.id.startsWith("binance")) return info["cancelReplaceAllowed"] === true ? "replace" : null;
  // OKX and Bybit amend the order where it rests (same order id, same client id).
  if (ex.id === "okx" || ex.id === "bybit") return "in-place";
  // Bitget's plan orders are modified where they wait; its ordinary orders only by cancel-replace-order.
  if (ex.id === "bitget" && what === "stop") return "in-place";
  // Elsewhere ccxt's edit is a cancel and new id for ordinary orders only (KuCoin alter, Bitget
  // cancel-replace-order) or reaches limit orders alone (Coinbase edit): cancel + replace there.
  return null;
}

/**
 * What ccxt's editOrder needs to amend an order in place on `ex` (read in ccxt 4.5.84's okx.ts,
 * bybit.ts and bitget.js): the order is named by its exchange id (no client id param: Bybit would look
 * the order up by it, OKX too); OKX amends a trigger order through amend-algos, chosen by the order type
 * "conditional", with the new stop trigger and "-1" (market) as its order price; Bybit takes the new
 * trigger price as triggerPrice, and so does Bitget (which then sends modify-plan-order).
 */
function inPlaceEdit(ex: Exchange, req: AmendRequest, price: number): { type: string; price: number | undefined; params: Record<string, unknown> } {
  if (!req.trigger) return { type: req.type, price, params: {} };
  if (ex.id === "okx") return { type: "conditional", price: undefined, params: { stopLossPrice: price, newSlOrdPx: -1 } };
  return { type: req.type, price: undefined, params: { triggerPrice: price } };
}

/** Which side of an atomic cancel-replace failed, from Binance's -2021/-2022 answer. */
function cancelReplaceFailure(message: string): { cancelled: boolean } | null {
  const m = /"cancelResult"\s*:\s*"(\w+)"/.exec(message);
  if (!m) return null;
  return { cancelled: m[1] === "SUCCESS" };
}

export type AmendResult =
  /**
   * Amended. `inPlace`: the order kept its exchange id and client order id (`order` is that order);
   * otherwise `order` is its successor, under a new id and `newClientOrderId`.
   */
  | { status: "amended"; order: OrderSnapshot; sent: { amount: string; price: string }; inPlace: boolean }
  /** Not amended; `cancelled` says whether the original order was cancelled on the way (then the bot holds none). */
  | { status: "rejected"; reason: RejectReason; message: string; cancelled: boolean | "unknown" }
  /** May or may not have happened: look both orders up by their client order ids. */
  | { status: "unknown"; message: string };

export type CancelResult = { status: "canceled"; order: OrderSnapshot } | { status: "not-open"; message: string };

export class OrderGateway {
  constructor(
    readonly exchange: Exchange,
    private readonly retrier: Retrier = new Retrier(),
  ) {}

  private read<T>(label: string, fn: () => Promise<T>): Promise<T> {
    return this.retrier.call(this.exchange, label, fn, { idempotent: true });
  }

  private safe(text: string): string {
    return redact(text, secretsOf(this.exchange));
  }

  async loadMarkets(): Promise<Record<string, Market>> {
    return (await this.read("loadMarkets", () => this.exchange.loadMarkets())) as Record<string, Market>;
  }

  async placeOrder(req: OrderRequest): Promise<PlaceOrderResult> {
    const ex = this.exchange;
    let markets: Record<string, Market>;
    try {
      markets = await this.loadMarkets();
    } catch (e) {
      const kind = classifyError(e);
      if (kind === "unknown") throw e;
      // Nothing was sent yet: whatever went wrong, the order is definitely not on the exchange.
      return { status: "rejected", reason: kind, message: this.safe(`Could not load ${ex.id} markets: ${e instanceof Error ? e.message : String(e)}`) };
    }
    const market = markets[req.symbol];
    if (!market) return { status: "rejected", reason: "unknown-market", message: `${ex.id} has no market ${req.symbol}.` };

    let amount: string;
    try {
      amount = String(ex.amountToPrecision(req.symbol, req.amount));
    } catch {
      const step = market.precision.amount;
      return { status: "rejected", reason: "below-min-amount", message: `${req.amount} ${market.base} rounds to zero at ${req.symbol}'s step of ${step}.` };
    }
    let price: string | undefined;
    let trigger: string | undefined;
    if (req.trigger) {
      if (req.type !== "market") return { status: "rejected", reason: "missing-price", message: "A resting stop is a market order with a trigger price." };
      trigger = String(ex.priceToPrecision(req.symbol, req.trigger.price));
    }
    if (req.type === "limit") {
      if (req.price === undefined) return { status: "rejected", reason: "missing-price", message: "A limit order needs a price." };
      price = String(ex.priceToPrecision(req.symbol, req.price));
    }
    const limits = market.limits;
    const minAmount = limits.amount?.min;
    const maxAmount = limits.amount?.max;
    if (minAmount !== undefined && Number(amount) < minAmount) {
      return { status: "rejected", reason: "below-min-amount", message: `${amount} ${market.base} is below ${req.symbol}'s minimum order amount of ${minAmount}.` };
    }
    if (maxAmount !== undefined && Number(amount) > maxAmount) {
      return { status: "rejected", reason: "above-max-amount", message: `${amount} ${market.base} is above ${req.symbol}'s maximum order amount of ${maxAmount}.` };
    }
    const minCost = limits.cost?.min;
    const costPrice = price !== undefined ? Number(price) : trigger !== undefined ? Number(trigger) : req.referencePrice;
    if (minCost !== undefined && costPrice !== undefined && Number(amount) * costPrice < minCost) {
      const value = Number(amount) * costPrice;
      return {
        status: "rejected",
        reason: "below-min-cost",
        message: `An order worth ${value.toFixed(2)} ${market.quote} is below ${req.symbol}'s minimum order value of ${minCost} ${market.quote}.`,
      };
    }

    // Exchanges whose spot market buy is sized in the quote: what `amount` costs at the reference price.
    let cost: string | undefined;
    if (req.type === "market" && req.side === "buy" && marketBuyNeedsCost(ex)) {
      if (req.referencePrice === undefined) {
        return { status: "rejected", reason: "missing-price", message: `A market buy on ${ex.name ?? ex.id} is sized in ${market.quote}: it needs a recent price to turn ${amount} ${market.base} into what to spend.` };
      }
      cost = marketBuyCost(ex, market, Number(amount), req.referencePrice);
    }
    const params: Record<string, unknown> = { ...placeByClientIdParams(ex.id, req.clientOrderId), ...(cost !== undefined ? { cost: Number(cost) } : {}) };
    const book = triggerBook(ex.id);
    if (req.trigger && trigger !== undefined) {
      Object.assign(params, book ? book.placeParams(req.trigger.kind, Number(trigger), req.clientOrderId) : { [req.trigger.kind === "stopLoss" ? "stopLossPrice" : "takeProfitPrice"]: Number(trigger) });
      if (book) this.triggerIds.add(req.clientOrderId);
    }

    try {
      const order = await this.retrier.call(
        ex,
        `createOrder ${req.clientOrderId}`,
        // For market orders the price is NOT passed: ccxt's binance would turn amount * price into a
        // quoteOrderQty (spend this much quote) order instead of a base-amount order. Where a market buy
        // must name what to spend, ccxt's own `cost` param carries it.
        () => ex.createOrder(req.symbol, req.type, req.side, Number(amount), price === undefined ? undefined : Number(price), params),
        { idempotent: false },
      );
      return { status: "placed", order: snapshot(order, req.clientOrderId), sent: { amount, price: price ?? trigger, ...(cost !== undefined ? { cost } : {}) } };
    } catch (e) {
      if (e instanceof UnknownOutcomeError) {
        return { status: "unknown", symbol: req.symbol, clientOrderId: req.clientOrderId, message: this.safe(e.message) };
      }
      const kind = classifyError(e);
      if (kind === "unknown") throw e;
      // Transient kinds reach here only when they prove the order was not executed (429, -1021).
      return { status: "rejected", reason: kind, message: this.safe(e instanceof Error ? e.message : String(e)) };
    }
  }

  /**
   * Places an OCO sell (Binance spot's order list: a STOP_LOSS leg below, a TAKE_PROFIT leg above),
   * through ccxt's signed implicit endpoint. Its legs are followed and cancelled like any order by
   * their client order ids; cancelling one leg cancels the list.
   */
  async placeOco(req: OcoRequest): Promise<PlaceOcoResult> {
    const ex = this.exchange as Exchange & { privatePostOrderListOco?: (params: Record<string, unknown>) => Promise<Record<string, unknown>> };
    if (typeof ex.privatePostOrderListOco !== "function") return { status: "rejected", reason: "unknown", message: `${ex.id} has no OCO orders.` };
    let market: Market;
    try {
      market = (await this.loadMarkets())[req.symbol];
    } catch (e) {
      const kind = classifyError(e);
      if (kind === "unknown") throw e;
      return { status: "rejected", reason: kind, message: this.safe(`Could not load ${ex.id} markets: ${e instanceof Error ? e.message : String(e)}`) };
    }
    if (!market) return { status: "rejected", reason: "unknown-market", message: `${ex.id} has no market ${req.symbol}.` };
    let amount: string;
    try {
      amount = String(ex.amountToPrecision(req.symbol, req.amount));
    } catch {
      return { status: "rejected", reason: "below-min-amount", message: `${req.amount} ${market.base} rounds to zero at ${req.symbol}'s step of ${market.precision.amount}.` };
    }
    const stopPrice = String(ex.priceToPrecision(req.symbol, req.stopPrice));
    const takeProfitPrice = String(ex.priceToPrecision(req.symbol, req.takeProfitPrice));
    const minCost = market.limits.cost?.min;
    if (minCost !== undefined && Number(amount) * Number(stopPrice) < minCost) {
      return { status: "rejected", reason: "below-min-cost", message: `A stop worth ${(Number(amount) * Number(stopPrice)).toFixed(2)} ${market.quote} is below ${req.symbol}'s minimum order value of ${minCost} ${market.quote}.` };
    }
    try {
      const r = await this.retrier.call(
        ex,
        `orderList/oco ${req.listClientOrderId}`,
        () =>
          ex.privatePostOrderListOco!({
            symbol: market.id,
            side: "SELL",
            quantity: amount,
            listClientOrderId: req.listClientOrderId,
            aboveType: "TAKE_PROFIT",
            aboveStopPrice: takeProfitPrice,
            aboveClientOrderId: req.takeProfitClientOrderId,
            belowType: "STOP_LOSS",
            belowStopPrice: stopPrice,
            belowClientOrderId: req.stopClientOrderId,
          }),
        { idempotent: false },
      );
      const legs = Array.isArray(r["orders"]) ? (r["orders"] as { orderId?: unknown; clientOrderId?: unknown }[]) : [];
      const idOf = (cid: string) => String(legs.find((l) => l.clientOrderId === cid)?.orderId ?? "");
      return { status: "placed", stopOrderId: idOf(req.stopClientOrderId), takeProfitOrderId: idOf(req.takeProfitClientOrderId), sent: { amount, stopPrice, takeProfitPrice } };
    } catch (e) {
      if (e instanceof UnknownOutcomeError) return { status: "unknown", message: this.safe(e.message) };
      const kind = classifyError(e);
      if (kind === "unknown") throw e;
      return { status: "rejected", reason: kind, message: this.safe(e instanceof Error ? e.message : String(e)) };
    }
  }

  /**
   * Moves a working order to a new price in one request where `amendSupport` says the exchange can
   * (see there): in place (same ids) or by Binance's atomic cancelReplace (new id, `newClientOrderId`);
   * callers cancel and place where it cannot. Never retried blindly: an unanswered
   * amendment is "unknown" and both orders are looked up by their client order ids.
   */
  async amendOrder(req: AmendRequest): Promise<AmendResult> {
    const ex = this.exchange;
    let market: Market;
    try {
      market = (await this.loadMarkets())[req.symbol];
    } catch (e) {
      const kind = classifyError(e);
      if (kind === "unknown") throw e;
      return { status: "rejected", reason: kind, message: this.safe(`Could not load ${ex.id} markets: ${e instanceof Error ? e.message : String(e)}`), cancelled: false };
    }
    if (!market) return { status: "rejected", reason: "unknown-market", message: `${ex.id} has no market ${req.symbol}.`, cancelled: false };
    const mode = amendSupport(ex, market, req.trigger ? "stop" : "order");
    if (mode === null) {
      return { status: "rejected", reason: "rejected", message: `${ex.name ?? ex.id} cannot amend this order in place.`, cancelled: false };
    }
    let amount: string;
    try {
      amount = String(ex.amountToPrecision(req.symbol, req.amount));
    } catch {
      return { status: "rejected", reason: "below-min-amount", message: `${req.amount} ${market.base} rounds to zero at ${req.symbol}'s step of ${market.precision.amount}.`, cancelled: false };
    }
    const target = req.trigger?.price ?? req.price;
    if (target === undefined) return { status: "rejected", reason: "missing-price", message: "An amendment needs a new price.", cancelled: false };
    const price = String(ex.priceToPrecision(req.symbol, target));
    try {
      if (mode === "in-place") {
        const edit = inPlaceEdit(ex, req, Number(price));
        const order = await this.retrier.call(
          ex,
          `editOrder ${req.clientOrderId} in place`,
          () => ex.editOrder(req.id, req.symbol, edit.type as Parameters<Exchange["editOrder"]>[2], req.side, Number(amount), edit.price, edit.params),
          { idempotent: false },
        );
        // The venues answer an amendment with the ids only: the order is the one amended, as it now stands.
        const kept = snapshot(order, req.clientOrderId);
        return {
          status: "amended",
          order: { ...kept, id: kept.id && kept.id !== "undefined" ? kept.id : req.id, symbol: req.symbol, side: req.side, amount: Number(amount), price: req.trigger ? undefined : Number(price) },
          sent: { amount, price },
          inPlace: true,
        };
      }
      const params: Record<string, unknown> = { ...placeByClientIdParams(ex.id, req.newClientOrderId), ...(req.trigger ? { stopPrice: Number(price) } : {}) };
      const order = await this.retrier.call(
        ex,
        `editOrder ${req.clientOrderId} -> ${req.newClientOrderId}`,
        () => ex.editOrder(req.id, req.symbol, req.type, req.side, Number(amount), req.trigger ? undefined : Number(price), params),
        { idempotent: false },
      );
      return { status: "amended", order: snapshot(order, req.newClientOrderId), sent: { amount, price }, inPlace: false };
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      const failed = cancelReplaceFailure(text);
      if (failed) return { status: "rejected", reason: "rejected", message: this.safe(text), cancelled: failed.cancelled };
      if (e instanceof UnknownOutcomeError) return { status: "unknown", message: this.safe(text) };
      const kind = classifyError(e);
      if (kind === "unknown") throw e;
      return { status: "rejected", reason: kind, message: this.safe(text), cancelled: "unknown" };
    }
  }

  /**
   * The most recent order with this client order id, or null if the exchange has none.
   * Binance accepts a client id again once the earlier order FILLED ("Orders with the same
   * newClientOrderID can be accepted only when the previous one is filled") — so a duplicate is
   * not rejected after a fill, and this lookup is what prevents a second order.
   */
  async findOrderByClientId(symbol: string, clientOrderId: string): Promise<OrderSnapshot | null> {
    const book = triggerBook(this.exchange.id);
    if (!book) return this.findOrdinary(symbol, clientOrderId);
    // Stops first where this gateway placed or found the id as one (a restart learns it on the first miss).
    if (this.triggerIds.has(clientOrderId)) return (await this.findStop(book, symbol, clientOrderId)) ?? (await this.findOrdinary(symbol, clientOrderId));
    return (await this.findOrdinary(symbol, clientOrderId)) ?? (await this.findStop(book, symbol, clientOrderId));
  }

  private async findOrdinary(symbol: string, clientOrderId: string): Promise<OrderSnapshot | null> {
    const ex = this.exchange;
    if (ex.id.startsWith("binance") || ex.id === "okx") {
      try {
        const order = await this.read(`fetchOrder ${clientOrderId}`, () => ex.fetchOrder("", symbol, { clientOrderId }));
        return snapshot(order, clientOrderId);
      } catch (e) {
        if (e instanceof OrderNotFound) return null;
        throw e;
      }
    }
    const open = await this.fetchOpenOrders(symbol);
    const hit = open.find((o) => o.clientOrderId === clientOrderId);
    if (hit) return hit;
    const closedFetcher = ex.has["fetchClosedOrders"] ? "fetchClosedOrders" : ex.has["fetchOrders"] ? "fetchOrders" : undefined;
    if (!closedFetcher) return null;
    const closed = await this.read(`${closedFetcher} ${symbol}`, () => ex[closedFetcher](symbol));
    const matches = closed.filter((o) => o.clientOrderId === clientOrderId);
    const last = matches[matches.length - 1];
    return last ? snapshot(last) : null;
  }

  /** Client ids this gateway knows to name stops held apart from ordinary orders (`triggerBook`): looked up as stops first. */
  private readonly triggerIds = new Set<string>();

  private readonly reader: Read = (label, fn) => this.read(label, fn);

  /**
   * A stop held apart from ordinary orders (OKX algo, Bitget plan order), by our client id. One whose
   * trigger was reached placed an ordinary market order with an id of its own: that order is the
   * answer, under our client id, so its fills are read by its id.
   */
  private async findStop(book: TriggerBook, symbol: string, clientOrderId: string): Promise<OrderSnapshot | null> {
    const ex = this.exchange;
    const stop = await book.find(ex, this.reader, symbol, clientOrderId);
    if (!stop) return null;
    this.triggerIds.add(clientOrderId);
    const placedId = await book.placedOrderId(ex, this.reader, stop);
    if (!placedId) return snapshot(stop, clientOrderId);
    const placed = await this.read(`fetchOrder ${placedId} (triggered by ${clientOrderId})`, () => ex.fetchOrder(placedId, symbol));
    return { ...snapshot(placed, clientOrderId), id: placedId };
  }

  async fetchOrder(symbol: string, id: string): Promise<OrderSnapshot> {
    return snapshot(await this.read(`fetchOrder ${id}`, () => this.exchange.fetchOrder(id, symbol)));
  }

  /** Cancels by exchange id or client order id. Repeating a cancel is safe: it reports "not-open". */
  async cancelOrder(symbol: string, ref: { id?: string; clientOrderId?: string }): Promise<CancelResult> {
    if (ref.id === undefined && ref.clientOrderId === undefined) throw new Error("cancelOrder needs an id or a clientOrderId");
    if (cancelsByExchangeIdOnly(this.exchange.id)) return this.cancelByExchangeId(symbol, ref);
    const params = ref.clientOrderId !== undefined ? cancelByClientIdParams(this.exchange.id, ref.clientOrderId) : {};
    // No exchange id: undefined, not "" (bybit sends an empty orderId, which it reads as "given").
    const id = ref.id as string;
    const book = triggerBook(this.exchange.id);
    try {
      if (book && ref.clientOrderId !== undefined && this.triggerIds.has(ref.clientOrderId)) return await this.cancelStop(book, symbol, ref.clientOrderId);
      const order = await this.read(`cancelOrder ${ref.clientOrderId ?? ref.id}`, () => this.exchange.cancelOrder(id, symbol, params));
      // Binance answers a cancel with a NEW clientOrderId (the cancel request's own) and puts the
      // order's id in origClientOrderId; ccxt's parseOrder reports the former.
      const info = (order.info ?? {}) as Record<string, unknown>;
      const original = typeof info["origClientOrderId"] === "string" ? info["origClientOrderId"] : ref.clientOrderId;
      return { status: "canceled", order: snapshot(order, original) };
    } catch (e) {
      const kind = classifyError(e);
      // Not an ordinary order; it may be a stop held apart (an OKX algo, a Bitget plan) placed before a restart.
      if (kind === "order-not-found" && book && ref.clientOrderId !== undefined && !this.triggerIds.has(ref.clientOrderId)) {
        return this.cancelStop(book, symbol, ref.clientOrderId).catch((e2: unknown) => {
          if (classifyError(e2) === "order-not-found") return { status: "not-open" as const, message: this.safe(e instanceof Error ? e.message : String(e)) };
          throw e2;
        });
      }
      if (kind === "order-not-found") return { status: "not-open", message: this.safe(e instanceof Error ? e.message : String(e)) };
      throw e;
    }
  }

  /**
   * Cancels a stop held apart (OKX cancel-algos by algoClOrdId, Bitget cancel-plan-order by clientOid:
   * ccxt's cancelOrder with `trigger`) and reads it back as it now stands. A refusal is looked into:
   * a stop that is no longer waiting (OKX 51400; Bitget answers 43025 "Plan order does not exist",
   * which ccxt calls InvalidOrder) is "not-open"; none at all is order-not-found.
   */
  private async cancelStop(book: TriggerBook, symbol: string, clientOrderId: string): Promise<CancelResult> {
    const ex = this.exchange;
    try {
      await this.read(`cancelOrder ${clientOrderId} (stop)`, () => ex.cancelOrder("", symbol, { clientOrderId, trigger: true }));
    } catch (e) {
      const kind = classifyError(e);
      if (kind === "unknown" || isTransient(kind)) throw e;
      const stop = await book.find(ex, this.reader, symbol, clientOrderId);
      if (!stop) throw new OrderNotFound(this.safe(e instanceof Error ? e.message : String(e)));
      if (stop.status === "open") throw e;
      this.triggerIds.add(clientOrderId);
      return { status: "not-open", message: this.safe(e instanceof Error ? e.message : String(e)) };
    }
    this.triggerIds.add(clientOrderId);
    const stop = await book.find(ex, this.reader, symbol, clientOrderId);
    if (!stop) throw new OrderNotFound(`${ex.id} cancelled the stop ${clientOrderId} but no longer reports it.`);
    return { status: "canceled", order: snapshot(stop, clientOrderId) };
  }

  /**
   * Coinbase: batch_cancel takes only the exchange's order ids, refuses an order that is no longer open
   * with a generic failure, and answers without the order's state. So the order is looked up first
   * (by client id when that is all there is), cancelled only while open, and read again afterwards.
   */
  private async cancelByExchangeId(symbol: string, ref: { id?: string; clientOrderId?: string }): Promise<CancelResult> {
    const ex = this.exchange;
    const found = ref.id !== undefined ? await this.fetchOrder(symbol, ref.id) : await this.findOrderByClientId(symbol, ref.clientOrderId!);
    if (!found || found.status !== "open") return { status: "not-open", message: `${ex.name ?? ex.id} has no open order ${ref.clientOrderId ?? ref.id}.` };
    await this.read(`cancelOrder ${ref.clientOrderId ?? ref.id}`, () => ex.cancelOrder(found.id, symbol));
    const order = await this.fetchOrder(symbol, found.id);
    return { status: "canceled", order: { ...order, clientOrderId: order.clientOrderId ?? ref.clientOrderId } };
  }

  async fetchOpenOrders(symbol?: string): Promise<OrderSnapshot[]> {
    const orders = await this.read(`fetchOpenOrders ${symbol ?? "*"}`, () => this.exchange.fetchOpenOrders(symbol));
    return orders.map((o) => snapshot(o));
  }

  /** Our fills. Binance trades carry the exchange order id, not the client order id. */
  async fetchMyTrades(symbol: string, since?: number, limit?: number): Promise<TradeSnapshot[]> {
    const trades = await this.read(`fetchMyTrades ${symbol}`, () => this.exchange.fetchMyTrades(symbol, since, limit));
    return trades.map(tradeSnapshot);
  }

  async fetchBalance(): Promise<BalanceSnapshot> {
    const b: Balances = await this.read("fetchBalance", () => this.exchange.fetchBalance());
    const pick = (k: "free" | "used" | "total") => {
      const src = (b as unknown as Record<string, Record<string, number | undefined> | undefined>)[k] ?? {};
      return Object.fromEntries(Object.entries(src).map(([asset, v]) => [asset, v ?? 0]));
    };
    return { free: pick("free"), used: pick("used"), total: pick("total") };
  }
}

/**
 * ccxt's flag for exchanges whose spot market buy spends a quote amount (Bitget, Coinbase Advanced):
 * `createMarketBuyOrderRequiresPrice` true, top level or under options.createOrder. Elsewhere (Binance,
 * OKX, Bybit, KuCoin) a market buy takes the base amount and nothing changes.
 */
export function marketBuyNeedsCost(ex: Exchange): boolean {
  const nested = ex.options["createOrder"] as { createMarketBuyOrderRequiresPrice?: unknown } | undefined;
  return ex.options["createMarketBuyOrderRequiresPrice"] === true || nested?.createMarketBuyOrderRequiresPrice === true;
}

/**
 * The quote to spend on `amount` at `price`, on the market's cost grid and rounded UP a step, so that
 * spending it at that price buys at least `amount` and the venue's fill rounds to `amount` at its step
 * (ccxt's costToPrecision truncates, which would buy one step less).
 */
export function marketBuyCost(ex: Exchange, market: NonNullable<Market>, amount: number, price: number): string {
  const exact = amount * price;
  const truncated = ex.costToPrecision(market.symbol, exact);
  if (Number(truncated) >= exact - 1e-12) return String(truncated);
  const precision = (market.precision as { cost?: number; price?: number }).cost ?? market.precision.price;
  const mode = ex.precisionMode;
  const step = precision === undefined ? undefined : mode === ccxt.TICK_SIZE ? precision : mode === ccxt.DECIMAL_PLACES ? 10 ** -precision : undefined;
  return step === undefined ? String(truncated) : String(ex.costToPrecision(market.symbol, Number(truncated) + step));
}

export const createOrderGateway = (exchange: Exchange, retrier?: Retrier): OrderGateway => new OrderGateway(exchange, retrier);

const num = (x: number | undefined | null, fallback = 0): number => (typeof x === "number" && Number.isFinite(x) ? x : fallback);

function snapshot(o: Order, clientOrderId?: string): OrderSnapshot {
  const amount = num(o.amount);
  const filled = num(o.filled);
  const trigger = o.triggerPrice ?? o.stopPrice ?? o.stopLossPrice ?? o.takeProfitPrice;
  return {
    id: String(o.id),
    clientOrderId: clientOrderId ?? o.clientOrderId ?? undefined,
    symbol: o.symbol ?? "",
    side: o.side === "sell" ? "sell" : "buy",
    type: o.type ?? "unknown",
    status: (o.status ?? "open") as OrderStatus,
    amount,
    filled,
    remaining: num(o.remaining, Math.max(0, amount - filled)),
    price: o.price ?? undefined,
    // OKX's algo orders report a stop's trigger as stopLossPrice / takeProfitPrice, not triggerPrice.
    ...(typeof trigger === "number" ? { triggerPrice: trigger } : {}),
    average: o.average ?? undefined,
    cost: num(o.cost),
    timestamp: o.timestamp ?? undefined,
  };
}

function tradeSnapshot(t: Trade): TradeSnapshot {
  return {
    id: String(t.id),
    orderId: t.order ?? undefined,
    symbol: t.symbol ?? "",
    side: t.side === "sell" ? "sell" : "buy",
    price: num(t.price),
    amount: num(t.amount),
    cost: num(t.cost),
    fee: t.fee && t.fee.cost !== undefined ? { cost: num(t.fee.cost), currency: t.fee.currency ?? "" } : undefined,
    takerOrMaker: t.takerOrMaker === "maker" || t.takerOrMaker === "taker" ? t.takerOrMaker : undefined,
    timestamp: num(t.timestamp),
  };
}
