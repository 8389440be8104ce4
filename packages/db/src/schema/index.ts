// One file per entity; a new entity (keys, bots) is a new file exported here plus a generated migration.
export * from "./candles";
export * from "./strategies";
export * from "./backtests";
export * from "./keys";
export * from "./bots";
export * from "./bans";
export * from "./alerts";
export * from "./research";
export * from "./portfolios";
