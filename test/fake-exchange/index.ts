export { startFakeExchange, makeCandles, DEFAULT_SYMBOLS, type FakeExchange, type FakeExchangeOptions } from "./server";
export { binanceUrls, pointCcxtAt } from "./ccxt";
export { MatchingEngine, BinanceReject } from "./engine";
export type { FakeWs, WsChannel, WsFault, WsLoginFault, WsSent } from "./wsHub";
export type { Candle, Fault, FaultMatch, FakeKey, FakeOrder, FakeSymbol, FakeTrade, KeyPermissions, RequestRecord } from "./types";
export { startVenueFake, VENUE_DIALECTS, BUILTIN_VENUE_KEYS, type VenueFake, type VenueId, type VenueKey, type VenueKeyRights } from "./venues/index";
