// The fake exchange's order book of one account: balances, orders, trades, and matching against a
// scripted candle stream. No HTTP here; the server translates requests into these calls.
import type { Candle, FakeOrder, FakeSymbol, FakeTrade, OrderStatus } from "./types";

/** A rejection the server turns into a Binance error body. */
export class BinanceReject extends Error {
  constructor(
    readonly code: number,
    msg: string,
    readonly status = 400,
    /** Extra detail Binance puts beside code and msg (cancelReplace's per-step results). */
    readonly data?: Record<string, unknown>,
  ) {
    super(msg);
  }
}

/** The working orders of one symbol after a change to them: what the amend checks read. */
export interface LiveSample {
  seq: number;
  /** Server wall-clock time of the change. */
  at: number;
  symbol: string;
  /** Order ids working after the change. */
  open: number[];
}

/** A stretch of samples during which at least one order matching a filter was working. */
export interface LiveSpan {
  fromSeq: number;
  /** The sample at which none was working any more (null: still working). */
  toSeq: number | null;
  /** The most matching orders working at once inside the span. */
  max: number;
  /** Every matching order id seen working in the span. */
  orders: number[];
}

const E8 = 1e8;
/** Quantities and prices are kept on an 8-decimal grid, like Binance's own strings. */
export const round8 = (x: number): number => Math.round(x * E8) / E8;
const onGrid = (value: number, origin: number, step: number): boolean => {
  const units = (value - origin) / step;
  return Math.abs(units - Math.round(units)) < 1e-7;
};
const floorToStep = (x: number, step: number): number => round8(Math.floor(x / step + 1e-9) * step);

export const CLIENT_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;

export interface NewOrderInput {
  symbol: string;
  side: string;
  type: string;
  quantity: string | undefined;
  price: string | undefined;
  timeInForce: string | undefined;
  newClientOrderId: string | undefined;
  stopPrice?: string | undefined;
}

export interface EngineOptions {
  symbols: FakeSymbol[];
  candles: Record<string, Candle[]>;
  balances: Record<string, number>;
  /** Commission rate charged on every fill, in the asset received (Binance's default). */
  feeRate: number;
  /** Charge every commission in the quote asset instead, on top of a buy's cost (Coinbase). */
  feesInQuote?: boolean;
  /** How many candles of each stream are already closed at start. */
  closedAtStart: number;
  now: () => number;
  /** Bid-ask spread in basis points: market (and triggered stop) orders pay half of it — buys above the candle's price, sells below. */
  spreadBps?: number;
}

export class MatchingEngine {
  readonly symbols = new Map<string, FakeSymbol>();
  readonly candles: Record<string, Candle[]>;
  readonly balances = new Map<string, { free: number; locked: number }>();
  readonly orders: FakeOrder[] = [];
  readonly trades: FakeTrade[] = [];
  /** Number of candles closed so far (same for every symbol's stream). */
  closed: number;
  private nextOrderId = 1000;
  private nextListId = 1;
  private nextTradeId = 5000;
  private cancelSeq = 0;
  /**
   * The working orders of a symbol after every change to them (place, cancel, cancelReplace, a fill),
   * in order. One atomic request is one sample, so an amendment done in place never shows a moment
   * without the order, while a cancel followed by a new order does.
   */
  readonly liveLog: LiveSample[] = [];

  constructor(private readonly opts: EngineOptions) {
    for (const s of opts.symbols) this.symbols.set(s.symbol, s);
    this.candles = opts.candles;
    for (const [asset, free] of Object.entries(opts.balances)) this.balances.set(asset, { free, locked: 0 });
    this.closed = opts.closedAtStart;
  }

  balance(asset: string): { free: number; locked: number } {
    let b = this.balances.get(asset);
    if (!b) {
      b = { free: 0, locked: 0 };
      this.balances.set(asset, b);
    }
    return b;
  }

  closedCandles(symbol: string): Candle[] {
    return (this.candles[symbol] ?? []).slice(0, this.closed);
  }

  /** Close of the last closed candle: the price used for market-order notional and balance checks. */
  lastPrice(symbol: string): number {
    const c = this.candles[symbol]?.[this.closed - 1];
    if (!c) throw new BinanceReject(-1121, "Invalid symbol.");
    return c[4];
  }

  market(symbol: string): FakeSymbol {
    const s = this.symbols.get(symbol);
    if (!s) throw new BinanceReject(-1121, "Invalid symbol.");
    return s;
  }

  /** Accepts or rejects a new order; matching happens only when the stream advances. */
  placeOrder(input: NewOrderInput, fillScripts: Map<string, number[]>): FakeOrder {
    const m = this.market(input.symbol);
    if (input.side !== "BUY" && input.side !== "SELL") throw new BinanceReject(-1117, "Invalid side.");
    if (input.type !== "MARKET" && input.type !== "LIMIT" && input.type !== "STOP_LOSS" && input.type !== "TAKE_PROFIT") throw new BinanceReject(-1116, "Invalid orderType.");
    let stopPrice = 0;
    if (input.type === "STOP_LOSS" || input.type === "TAKE_PROFIT") {
      stopPrice = Number(input.stopPrice);
      if (input.stopPrice === undefined || !Number.isFinite(stopPrice) || stopPrice <= 0) {
        throw new BinanceReject(-1102, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.");
      }
      if (stopPrice < m.minPrice || stopPrice > m.maxPrice || !onGrid(stopPrice, 0, m.tickSize)) throw new BinanceReject(-1013, "Filter failure: PRICE_FILTER");
      // Binance: a stop that the last price has already passed would trigger at once.
      const last = this.lastPrice(m.symbol);
      const passed = (input.type === "STOP_LOSS") === (input.side === "SELL") ? last <= stopPrice : last >= stopPrice;
      if (passed) throw new BinanceReject(-2010, "Stop price would trigger immediately.");
    }
    const qty = Number(input.quantity);
    if (input.quantity === undefined || !Number.isFinite(qty) || qty <= 0) {
      throw new BinanceReject(-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
    }
    let price = 0;
    if (input.type === "LIMIT") {
      price = Number(input.price);
      if (input.price === undefined || !Number.isFinite(price) || price <= 0) {
        throw new BinanceReject(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
      }
      if (input.timeInForce !== "GTC") {
        throw new BinanceReject(-1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
      }
      if (price < m.minPrice || price > m.maxPrice || !onGrid(price, 0, m.tickSize)) {
        throw new BinanceReject(-1013, "Filter failure: PRICE_FILTER");
      }
    }
    if (qty < m.minQty || qty > m.maxQty || !onGrid(qty, m.minQty, m.stepSize)) {
      throw new BinanceReject(-1013, "Filter failure: LOT_SIZE");
    }
    const refPrice = input.type === "LIMIT" ? price : stopPrice > 0 ? stopPrice : this.lastPrice(m.symbol);
    if (qty * refPrice < m.minNotional) throw new BinanceReject(-1013, "Filter failure: NOTIONAL");

    const clientOrderId = input.newClientOrderId ?? `fake${this.nextOrderId}`;
    if (!CLIENT_ID_RE.test(clientOrderId)) {
      throw new BinanceReject(
        -1100,
        "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
      );
    }
    // Binance: "Orders with the same newClientOrderID can be accepted only when the previous one is filled,
    // otherwise the order will be rejected." A filled order's id CAN be reused: no idempotency after a fill.
    if (this.orders.some((o) => o.clientOrderId === clientOrderId && o.status !== "FILLED")) {
      throw new BinanceReject(-2010, "Duplicate order sent.");
    }

    const lockedAsset = input.side === "BUY" ? m.quoteAsset : m.baseAsset;
    const locked = round8(input.side === "BUY" ? qty * refPrice : qty);
    const bal = this.balance(lockedAsset);
    if (bal.free + 1e-12 < locked) {
      throw new BinanceReject(-2010, "Account has insufficient balance for requested action.");
    }
    bal.free = round8(bal.free - locked);
    bal.locked = round8(bal.locked + locked);

    const now = this.opts.now();
    const order: FakeOrder = {
      symbol: m.symbol,
      orderId: this.nextOrderId++,
      clientOrderId,
      side: input.side,
      type: input.type,
      timeInForce: input.type === "LIMIT" ? "GTC" : undefined,
      price,
      stopPrice,
      orderListId: -1,
      origQty: qty,
      executedQty: 0,
      cummulativeQuoteQty: 0,
      status: "NEW",
      time: now,
      updateTime: now,
      lockedAsset,
      locked,
      fillScript: [...(fillScripts.get(clientOrderId) ?? [])],
      trades: [],
    };
    this.orders.push(order);
    if (!this.inBatch) this.sample(m.symbol);
    return order;
  }

  private inBatch = false;
  private readonly lastSample = new Map<string, LiveSample>();

  /** Runs `fn` as one atomic change: one sample of the symbol's working orders afterwards. */
  private atomically<T>(symbol: string, fn: () => T): T {
    const outer = this.inBatch;
    this.inBatch = true;
    try {
      return fn();
    } finally {
      this.inBatch = outer;
      if (!outer) this.sample(symbol);
    }
  }

  private sample(symbol: string): void {
    const open = this.orders.filter((o) => o.symbol === symbol && isOpen(o.status)).map((o) => o.orderId);
    const last = this.lastSample.get(symbol);
    if (last && last.open.length === open.length && last.open.every((id, i) => id === open[i])) return;
    const next = { seq: this.liveLog.length, at: this.opts.now(), symbol, open };
    this.liveLog.push(next);
    this.lastSample.set(symbol, next);
  }

  /**
   * The stretches of the live log during which orders matching `pred` were working, each with the
   * most that worked at once. An order amended in place any number of times is one span with max 1;
   * a cancel-and-replace splits it (a moment with none), a replacement placed before the cancel gives max 2.
   */
  liveSpans(symbol: string, pred: (o: FakeOrder) => boolean): LiveSpan[] {
    const byId = new Map(this.orders.map((o) => [o.orderId, o]));
    const spans: LiveSpan[] = [];
    let cur: LiveSpan | null = null;
    for (const s of this.liveLog) {
      if (s.symbol !== symbol) continue;
      const hits = s.open.filter((id) => pred(byId.get(id)!));
      if (hits.length > 0) {
        if (!cur) {
          cur = { fromSeq: s.seq, toSeq: null, max: 0, orders: [] };
          spans.push(cur);
        }
        cur.max = Math.max(cur.max, hits.length);
        for (const id of hits) if (!cur.orders.includes(id)) cur.orders.push(id);
      } else if (cur) {
        cur.toSeq = s.seq;
        cur = null;
      }
    }
    return spans;
  }

  /**
   * Binance's POST /api/v3/order/cancelReplace with cancelReplaceMode STOP_ON_FAILURE: the order is
   * cancelled and its successor placed in one step. A cancel that fails places nothing (-2022, the
   * order works on); a new order that fails after the cancel leaves none (-2021, as Binance does).
   */
  cancelReplace(input: NewOrderInput & { cancelOrderId: string | undefined; cancelOrigClientOrderId: string | undefined; cancelReplaceMode: string | undefined }, fillScripts: Map<string, number[]>): { cancelled: FakeOrder; placed: FakeOrder } {
    if (input.cancelReplaceMode !== "STOP_ON_FAILURE" && input.cancelReplaceMode !== "ALLOW_FAILURE") {
      throw new BinanceReject(-1102, "Mandatory parameter 'cancelReplaceMode' was not sent, was empty/null, or malformed.");
    }
    const symbol = this.market(input.symbol).symbol;
    return this.atomically(symbol, () => {
      let old: FakeOrder | undefined;
      try {
        old = this.findOrder(symbol, input.cancelOrderId, input.cancelOrigClientOrderId);
      } catch {
        old = undefined;
      }
      if (!old || !isOpen(old.status) || old.orderListId >= 0) {
        throw new BinanceReject(-2022, "Order cancel-replace failed.", 400, { cancelResult: "FAILURE", newOrderResult: "NOT_ATTEMPTED", cancelResponse: { code: -2011, msg: "Unknown order sent." }, newOrderResponse: null });
      }
      this.release(old);
      old.status = "CANCELED";
      old.updateTime = this.opts.now();
      try {
        return { cancelled: old, placed: this.placeOrder(input, fillScripts) };
      } catch (e) {
        const inner = e instanceof BinanceReject ? { code: e.code, msg: e.message } : { code: -1000, msg: String(e) };
        throw new BinanceReject(-2021, "Order cancel-replace partially failed.", 400, { cancelResult: "SUCCESS", newOrderResult: "FAILURE", cancelResponse: { orderId: old.orderId, clientOrderId: old.clientOrderId, status: "CANCELED" }, newOrderResponse: inner });
      }
    });
  }

  /**
   * An OCO sell (Binance's POST /api/v3/orderList/oco): a TAKE_PROFIT leg above and a STOP_LOSS leg
   * below, one quantity reserved once; when one leg executes the other expires, cancelling one
   * cancels both.
   */
  placeOco(input: { symbol: string; side: string; quantity: string | undefined; aboveType: string | undefined; aboveStopPrice: string | undefined; aboveClientOrderId: string | undefined; belowType: string | undefined; belowStopPrice: string | undefined; belowClientOrderId: string | undefined }, fillScripts: Map<string, number[]>): { orderListId: number; orders: FakeOrder[] } {
    if (input.side !== "SELL") throw new BinanceReject(-1117, "Invalid side.");
    if (input.aboveType !== "TAKE_PROFIT" || input.belowType !== "STOP_LOSS") throw new BinanceReject(-1116, "Invalid orderType.");
    return this.atomically(this.market(input.symbol).symbol, () => this.placeOcoLegs(input, fillScripts));
  }

  private placeOcoLegs(input: Parameters<MatchingEngine["placeOco"]>[0], fillScripts: Map<string, number[]>): { orderListId: number; orders: FakeOrder[] } {
    const below = this.placeOrder({ symbol: input.symbol, side: "SELL", type: "STOP_LOSS", quantity: input.quantity, price: undefined, timeInForce: undefined, newClientOrderId: input.belowClientOrderId, stopPrice: input.belowStopPrice }, fillScripts);
    let above: FakeOrder;
    try {
      // The list reserves its quantity once: the second leg shares the first one's reservation.
      const bal = this.balance(below.lockedAsset);
      bal.free = round8(bal.free + below.locked);
      try {
        above = this.placeOrder({ symbol: input.symbol, side: "SELL", type: "TAKE_PROFIT", quantity: input.quantity, price: undefined, timeInForce: undefined, newClientOrderId: input.aboveClientOrderId, stopPrice: input.aboveStopPrice }, fillScripts);
      } finally {
        bal.free = round8(bal.free - below.locked);
      }
      const other = this.balance(above.lockedAsset);
      other.locked = round8(other.locked - above.locked);
      other.free = round8(other.free + above.locked);
      above.locked = 0;
    } catch (e) {
      this.orders.splice(this.orders.indexOf(below), 1);
      this.release(below);
      throw e;
    }
    const orderListId = this.nextListId++;
    below.orderListId = orderListId;
    above.orderListId = orderListId;
    return { orderListId, orders: [below, above] };
  }

  /**
   * An amendment that keeps the order (OKX amend-order / amend-algos, Bybit v5 order/amend): the working
   * order's price, trigger price or quantity changes where it rests, its exchange id and client id stay,
   * in one step (one sample of the live log: the order never stops working). A new quantity counts the
   * part already filled (as OKX's newSz and Bybit's qty do) and may not fall to or below it. Rejections as
   * Binance codes for the dialect to translate: -2013 no such order, -2011 no longer working, -1013 filters.
   */
  amendInPlace(symbol: string, ref: { orderId?: string; clientOrderId?: string }, change: { price?: string; stopPrice?: string; quantity?: string }): FakeOrder {
    const m = this.market(symbol);
    return this.atomically(m.symbol, () => {
      const order = this.findOrder(m.symbol, ref.orderId || undefined, ref.clientOrderId || undefined);
      if (!isOpen(order.status) || order.orderListId >= 0) throw new BinanceReject(-2011, "Unknown order sent.");
      const num = (x: string | undefined) => (x === undefined || x === "" ? undefined : Number(x));
      const price = num(change.price);
      const stopPrice = num(change.stopPrice);
      const qty = num(change.quantity);
      const onTick = (x: number) => Number.isFinite(x) && x >= m.minPrice && x <= m.maxPrice && onGrid(x, 0, m.tickSize);
      if (price !== undefined && (order.type !== "LIMIT" || !onTick(price))) throw new BinanceReject(-1013, "Filter failure: PRICE_FILTER");
      if (stopPrice !== undefined) {
        if (order.stopPrice <= 0 || !onTick(stopPrice)) throw new BinanceReject(-1013, "Filter failure: PRICE_FILTER");
        const last = this.lastPrice(m.symbol);
        const passed = (order.type === "STOP_LOSS") === (order.side === "SELL") ? last <= stopPrice : last >= stopPrice;
        if (passed) throw new BinanceReject(-2010, "Stop price would trigger immediately.");
      }
      if (qty !== undefined && (!Number.isFinite(qty) || qty <= order.executedQty || qty > m.maxQty || !onGrid(qty, m.minQty, m.stepSize))) {
        throw new BinanceReject(-1013, "Filter failure: LOT_SIZE");
      }
      const nextPrice = price ?? order.price;
      const nextStop = stopPrice ?? order.stopPrice;
      const nextQty = qty ?? order.origQty;
      const refPrice = order.type === "LIMIT" ? nextPrice : nextStop > 0 ? nextStop : this.lastPrice(m.symbol);
      const remaining = round8(nextQty - order.executedQty);
      const locked = round8(order.side === "BUY" ? remaining * refPrice : remaining);
      const bal = this.balance(order.lockedAsset);
      if (bal.free + order.locked + 1e-12 < locked) throw new BinanceReject(-2010, "Account has insufficient balance for requested action.");
      bal.free = round8(bal.free + order.locked - locked);
      bal.locked = round8(bal.locked - order.locked + locked);
      order.locked = locked;
      order.price = nextPrice;
      order.stopPrice = nextStop;
      order.origQty = nextQty;
      order.updateTime = this.opts.now();
      return order;
    });
  }

  /** The most recent order with this id (client ids may repeat once the earlier one is filled). */
  findOrder(symbol: string, orderId: string | undefined, origClientOrderId: string | undefined): FakeOrder {
    this.market(symbol);
    if (orderId === undefined && origClientOrderId === undefined) {
      throw new BinanceReject(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    }
    for (let i = this.orders.length - 1; i >= 0; i--) {
      const o = this.orders[i]!;
      if (o.symbol !== symbol) continue;
      if (orderId !== undefined && String(o.orderId) !== orderId) continue;
      if (origClientOrderId !== undefined && o.clientOrderId !== origClientOrderId) continue;
      return o;
    }
    throw new BinanceReject(-2013, "Order does not exist.");
  }

  cancelOrder(symbol: string, orderId: string | undefined, origClientOrderId: string | undefined): { order: FakeOrder; cancelClientOrderId: string } {
    let order: FakeOrder;
    try {
      order = this.findOrder(symbol, orderId, origClientOrderId);
    } catch (e) {
      if (e instanceof BinanceReject && e.code === -2013) throw new BinanceReject(-2011, "Unknown order sent.");
      throw e;
    }
    if (!isOpen(order.status)) throw new BinanceReject(-2011, "Unknown order sent.");
    // Cancelling one leg of an order list cancels the whole list.
    for (const o of order.orderListId >= 0 ? this.orders.filter((x) => x.orderListId === order.orderListId && isOpen(x.status)) : [order]) {
      this.release(o);
      o.status = "CANCELED";
      o.updateTime = this.opts.now();
    }
    this.sample(symbol);
    return { order, cancelClientOrderId: `cancel${++this.cancelSeq}` };
  }

  openOrders(symbol: string | undefined): FakeOrder[] {
    if (symbol !== undefined) this.market(symbol);
    return this.orders.filter((o) => isOpen(o.status) && (symbol === undefined || o.symbol === symbol));
  }

  /** Closes the next candle of every stream and fills what it trades through. */
  advance(): Record<string, Candle> {
    const closedNow: Record<string, Candle> = {};
    for (const sym of this.symbols.keys()) {
      const c = this.candles[sym]?.[this.closed];
      if (c) closedNow[sym] = c;
    }
    if (Object.keys(closedNow).length === 0) throw new Error("fake exchange: the candle stream is exhausted");
    this.closed += 1;
    this.matchAll(closedNow);
    for (const sym of Object.keys(closedNow)) this.sample(sym);
    return closedNow;
  }

  private matchAll(closedNow: Record<string, Candle>): void {
    for (const order of this.orders) {
      if (!isOpen(order.status)) continue;
      const c = closedNow[order.symbol];
      if (c) this.match(order, c);
      // One leg of an OCO executing cancels the other.
      if (order.orderListId >= 0 && order.executedQty > 0) {
        for (const other of this.orders) {
          if (other !== order && other.orderListId === order.orderListId && isOpen(other.status)) {
            this.release(other);
            other.status = "EXPIRED";
            other.updateTime = this.opts.now();
          }
        }
      }
    }
  }

  /** advance() n times: the candles closed, every stream's in turn. */
  advanceBy(n: number): Candle[] {
    const out: Candle[] = [];
    for (let i = 0; i < n; i++) out.push(...Object.values(this.advance()));
    return out;
  }

  private match(order: FakeOrder, c: Candle): void {
    const [, open, high, low] = c;
    let fillPrice: number | undefined;
    let isMaker = false;
    if (order.type === "MARKET") fillPrice = open;
    else if (order.type === "STOP_LOSS" || order.type === "TAKE_PROFIT") {
      // Triggered when the candle reaches the stop price; a candle that opens beyond it fills at its open.
      const down = (order.type === "STOP_LOSS") === (order.side === "SELL");
      if (down ? open <= order.stopPrice : open >= order.stopPrice) fillPrice = open;
      else if (down ? low <= order.stopPrice : high >= order.stopPrice) fillPrice = order.stopPrice;
    } else if (order.side === "BUY") {
      if (open <= order.price) fillPrice = open;
      else if (low <= order.price) {
        fillPrice = order.price;
        isMaker = true;
      }
    } else if (open >= order.price) fillPrice = open;
    else if (high >= order.price) {
      fillPrice = order.price;
      isMaker = true;
    }
    if (fillPrice === undefined) return;

    const m = this.market(order.symbol);
    const half = (this.opts.spreadBps ?? 0) / 2 / 1e4;
    if (half > 0 && !isMaker && order.type !== "LIMIT") {
      fillPrice = round8(Math.round((fillPrice * (order.side === "BUY" ? 1 + half : 1 - half)) / m.tickSize) * m.tickSize);
    }
    const remaining = round8(order.origQty - order.executedQty);
    let qty = remaining;
    const fraction = order.fillScript.shift();
    if (fraction !== undefined) qty = Math.min(remaining, floorToStep(order.origQty * fraction, m.stepSize));
    if (qty <= 0) return;

    const quoteQty = round8(qty * fillPrice);
    const base = this.balance(m.baseAsset);
    const quote = this.balance(m.quoteAsset);
    let commission: number;
    let commissionAsset: string;
    if (order.side === "BUY") {
      // Spend from the reservation first; a market order that gapped up takes the rest from free balance.
      const fromLock = Math.min(order.locked, quoteQty);
      const fromFree = round8(quoteQty - fromLock);
      if (fromFree > quote.free + 1e-12) {
        // Not enough to pay at this open: Binance would have expired the market order.
        this.release(order);
        order.status = "EXPIRED";
        order.updateTime = this.opts.now();
        return;
      }
      order.locked = round8(order.locked - fromLock);
      quote.locked = round8(quote.locked - fromLock);
      quote.free = round8(quote.free - fromFree);
      if (this.opts.feesInQuote) {
        commission = round8(quoteQty * this.opts.feeRate);
        commissionAsset = m.quoteAsset;
        quote.free = round8(quote.free - commission);
        base.free = round8(base.free + qty);
      } else {
        commission = round8(qty * this.opts.feeRate);
        commissionAsset = m.baseAsset;
        base.free = round8(base.free + qty - commission);
      }
    } else {
      order.locked = round8(order.locked - qty);
      base.locked = round8(base.locked - qty);
      commission = round8(quoteQty * this.opts.feeRate);
      commissionAsset = m.quoteAsset;
      quote.free = round8(quote.free + quoteQty - commission);
    }
    const trade: FakeTrade = {
      symbol: order.symbol,
      id: this.nextTradeId++,
      orderId: order.orderId,
      price: fillPrice,
      qty,
      quoteQty,
      commission,
      commissionAsset,
      time: this.opts.now(),
      isBuyer: order.side === "BUY",
      isMaker,
    };
    this.trades.push(trade);
    order.trades.push(trade);
    order.executedQty = round8(order.executedQty + qty);
    order.cummulativeQuoteQty = round8(order.cummulativeQuoteQty + quoteQty);
    order.updateTime = this.opts.now();
    if (order.executedQty >= order.origQty - 1e-12) {
      order.status = "FILLED";
      this.release(order);
    } else order.status = "PARTIALLY_FILLED";
  }

  private release(order: FakeOrder): void {
    if (order.locked <= 0) return;
    const bal = this.balance(order.lockedAsset);
    bal.locked = round8(bal.locked - order.locked);
    bal.free = round8(bal.free + order.locked);
    order.locked = 0;
  }
}

export const isOpen = (s: OrderStatus): boolean => s === "NEW" || s === "PARTIALLY_FILLED";
