// Where a person creates an API key on each exchange Keyflow lists in the add-key form (the real
// exchange, and its testnet / demo environment where it has its own page). ccxt does not carry these.
export interface KeyPage {
  /** The exchange's API-key management page. */
  url: string;
  /** Its testnet's page, where testnet keys are made elsewhere (Binance spot testnet, Bybit testnet). */
  testnetUrl?: string;
}

export const KEY_PAGES: Readonly<Record<string, KeyPage>> = {
  binance: { url: "https://www.binance.com/en/my/settings/api-management", testnetUrl: "https://testnet.binance.vision/" },
  binanceus: { url: "https://www.binance.us/settings/api-management" },
  // OKX demo-trading keys are made on the same page after switching to "Demo trading".
  okx: { url: "https://www.okx.com/account/my-api" },
  bybit: { url: "https://www.bybit.com/app/user/api-management", testnetUrl: "https://testnet.bybit.com/app/user/api-management" },
  kucoin: { url: "https://www.kucoin.com/account/api" },
  bitget: { url: "https://www.bitget.com/account/newapi" },
  kraken: { url: "https://pro.kraken.com/app/settings/api" },
  // Coinbase Advanced Trade keys are CDP keys (an ECDSA private key), made on the developer platform.
  coinbase: { url: "https://portal.cdp.coinbase.com/access/api" },
  gate: { url: "https://www.gate.io/myaccount/apiv4keys" },
  mexc: { url: "https://www.mexc.com/user/openapi" },
  htx: { url: "https://www.htx.com/en-us/apikey/" },
  bitfinex: { url: "https://setting.bitfinex.com/api" },
};
