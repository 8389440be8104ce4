// @keyflow/exchange: ccxt access for the server — instances, key probe, rate limiting, retries, orders.
export { createExchange, hasStreamClass, redirectExchange, requiredCredentials, hasTestnet, exchangeName, exchangeIds, type CreateExchangeOptions, type Credentials, type RequiredCredentials } from "./createExchange";
export { probePermissions, judgeProbe, KeyCheckError, WITHDRAW_UNKNOWN_WARNING, WITHDRAW_CONFIRMED_NOTE, type Permission, type ProbeResult, type ProbeVerdict } from "./probe";
export { PERMISSION_READERS, type PermissionReader } from "./probes";
export { KEY_PAGES, type KeyPage } from "./keyPages";
export { RateLimiter, LimiterRegistry, sharedLimiters, attachLimiter, requestCount, rememberBans, DEFAULT_LIMIT, type LimiterConfig, type BanBook } from "./limiter";
export { Retrier, createRetrier, DEFAULT_RETRY_POLICY, type RetryPolicy, type RetrierOptions, type RetryEvent, type CallOptions } from "./retry";
export {
  classifyError,
  isTransient,
  provesNotExecuted,
  describeKeyError,
  exchangeErrorCode,
  retryAfterMs,
  UnknownOutcomeError,
  type ErrorKind,
  type KeyErrorDescription,
} from "./errors";
export {
  OrderGateway,
  stopSupport,
  amendSupport,
  createOrderGateway,
  type AmendRequest,
  type AmendResult,
  type AmendSupport,
  type OrderRequest,
  type OrderSnapshot,
  type OrderStatus,
  type TradeSnapshot,
  type BalanceSnapshot,
  type PlaceOrderResult,
  type OcoRequest,
  type PlaceOcoResult,
  type CancelResult,
  type RejectReason,
} from "./orderGateway";
export { clientOrderId, BINANCE_CLIENT_ORDER_ID_RE, OKX_CLIENT_ORDER_ID_RE, KRAKEN_CLIENT_ORDER_ID_RE, CLIENT_ORDER_ID_PREFIX } from "./clientOrderId";
export { redact, secretsOf } from "./redact";
export { downloadPages, DownloadError, type PagedDownloadRequest, type PagedDownloadOptions, type PageReport } from "./candleDownload";
export { systemClock, virtualClock, seededRandom, type Clock, type VirtualClock } from "./clock";
export { StreamConnection, StreamRegistry, sharedStreams, streamSupport, type StreamCandle, type StreamState, type CandleListener, type OrderListener, type StreamBackoff } from "./streams";
