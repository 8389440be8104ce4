// The websocket plumbing every fake venue shares: connections upgraded from the venue's loopback HTTP
// server, sorted into a market and a user channel, and the fault controls tests use (drop, delay,
// duplicate and reorder messages, cut connections, refuse new ones, refuse or ignore logins). A venue's dialect (ws.ts for
// Binance, venues/*Ws.ts) decides which paths are its websockets, answers their messages and frames
// the events; this file knows nothing of any exchange.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";

/** Which connections a fault or a record concerns. */
export type WsChannel = "market" | "user";

export type WsFault =
  /** The next `times` messages are never sent. */
  | { kind: "drop"; times?: number }
  /** The next `times` messages are sent `ms` later. */
  | { kind: "delay"; ms: number; times?: number }
  /** The next `times` messages are sent twice. */
  | { kind: "duplicate"; times?: number }
  /** The next message is held back and sent after the one following it (`times` messages; a held one is never held twice). */
  | { kind: "reorder"; times?: number };

/**
 * What the next logins on the user channel meet (a login: the request that proves the key — OKX's and
 * Bitget's login, Bybit's auth, Binance's signed user-data subscription, KuCoin's private token on
 * connecting, Coinbase's JWT-signed subscription): "refuse" answers it as the venue answers a bad
 * signature; "ignore" never answers it (nor anything after it on that connection).
 */
export type WsLoginFault = "refuse" | "ignore";

/** A message the fake published, as it was handed to the connection (after faults). */
export interface WsSent {
  channel: WsChannel;
  /** Server clock (Date.now() + skew) when it was written to the socket. */
  at: number;
  /** The event, in the venue's words: "kline", "executionReport", "orders", "candle1m"… */
  event: string;
  payload: Record<string, unknown>;
}

/** What a test controls and reads of a venue's websocket side. */
export interface FakeWs {
  /** Publishes what changed in the engine since the last call (orders, trades, balances, closed candles). */
  publish(): void;
  faults: {
    inject(fault: WsFault, channel?: WsChannel): void;
    /** The next `times` logins (default 1) meet `fault`. */
    logins(fault: WsLoginFault, times?: number): void;
    clear(): void;
  };
  /** Logins the venue has received (answered or not). */
  logins(): number;
  /** Closes every websocket connection (of one channel), as a network cut would. */
  cut(channel?: WsChannel): void;
  /** Refuses new connections while true (a cut that lasts). */
  refuse(on: boolean): void;
  /** Every message written to a socket, oldest first. */
  sent: WsSent[];
  /** Open connections (of one channel). */
  connections(channel?: WsChannel): number;
  close(): void;
}

/** One open connection; `state` is the dialect's own (its subscriptions, its login). */
export interface WsConn<S> {
  socket: WebSocket;
  channel: WsChannel;
  /** The upgrade request's path, without the query. */
  path: string;
  /** The upgrade request's query parameters (a venue may carry a token there). */
  query: URLSearchParams;
  state: S;
}

export interface WsHub<S> {
  /** Sends a reply to one connection, faults aside (answers to requests are never faulted). */
  reply(conn: WsConn<S>, body: unknown): void;
  /**
   * Hands one event to the connections of `channel` that want it, through the injected faults:
   * `frame` builds what each connection receives.
   */
  emit(channel: WsChannel, event: string, payload: Record<string, unknown>, wants: (c: WsConn<S>) => boolean, frame: (c: WsConn<S>) => unknown): void;
  /**
   * A login arrived on `conn`: what to do with it — null: check it as usual; "refuse": answer it as a
   * bad signature; "ignore": answer nothing (the hub keeps that connection silent from then on).
   */
  login(conn: WsConn<S>): WsLoginFault | null;
  /** The fault controls, cut, refuse, sent, connections and close, for the dialect's FakeWs. */
  controls: Omit<FakeWs, "publish">;
}

interface Pending {
  fault: WsFault;
  channel: WsChannel | undefined;
  left: number;
}

export interface WsHubOptions<S> {
  /** The channel of an upgrade request's path (and query: KuCoin's says which token), or null to refuse it (not this venue's websocket). */
  route(path: string, query: URLSearchParams): WsChannel | null;
  /** The dialect's state of a new connection. */
  initial(channel: WsChannel, path: string, query: URLSearchParams): S;
  /** A text message received on a connection. */
  onMessage(conn: WsConn<S>, text: string): void;
  /** A new connection is open (a venue that greets, e.g. KuCoin's "welcome"). */
  onOpen?(conn: WsConn<S>): void;
  /** Server clock for the `sent` record. */
  now(): number;
}

export function attachWsHub<S>(server: Server, opts: WsHubOptions<S>): WsHub<S> {
  const wss = new WebSocketServer({ noServer: true });
  const conns = new Set<WsConn<S>>();
  const pending: Pending[] = [];
  const sent: WsSent[] = [];
  let refusing = false;
  const loginFaults: WsLoginFault[] = [];
  let logins = 0;
  const silent = new WeakSet<WsConn<S>>();
  /** A message held back by a reorder fault, per channel. */
  const held = new Map<WsChannel, () => void>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const [path = "", search = ""] = (req.url ?? "").split("?");
    const channel = opts.route(path, new URLSearchParams(search));
    if (!channel || refusing) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const query = new URLSearchParams(search);
      const conn: WsConn<S> = { socket: ws, channel, path, query, state: opts.initial(channel, path, query) };
      conns.add(conn);
      ws.on("close", () => conns.delete(conn));
      ws.on("error", () => conns.delete(conn));
      ws.on("message", (data) => opts.onMessage(conn, String(data)));
      opts.onOpen?.(conn);
    });
  };
  server.on("upgrade", onUpgrade);

  const reply = (conn: WsConn<S>, body: unknown) => {
    if (conn.socket.readyState === conn.socket.OPEN && !silent.has(conn)) conn.socket.send(typeof body === "string" ? body : JSON.stringify(body));
  };

  const takeFault = (channel: WsChannel): WsFault | undefined => {
    const i = pending.findIndex((p) => p.channel === undefined || p.channel === channel);
    if (i < 0) return undefined;
    const p = pending[i]!;
    p.left -= 1;
    if (p.left <= 0) pending.splice(i, 1);
    return p.fault;
  };

  const emit: WsHub<S>["emit"] = (channel, event, payload, wants, frame) => {
    const targets = [...conns].filter((c) => c.channel === channel && !silent.has(c) && wants(c));
    if (targets.length === 0) return;
    const write = () => {
      sent.push({ channel, at: opts.now(), event, payload });
      for (const c of targets) reply(c, frame(c));
    };
    const fault = takeFault(channel);
    const release = () => {
      const h = held.get(channel);
      if (h) {
        held.delete(channel);
        h();
      }
    };
    if (fault?.kind === "drop") return;
    if (fault?.kind === "reorder" && !held.has(channel)) {
      held.set(channel, write);
      return;
    }
    if (fault?.kind === "delay") {
      setTimeout(() => {
        write();
        release();
      }, fault.ms);
      return;
    }
    write();
    if (fault?.kind === "duplicate") write();
    release();
  };

  return {
    reply,
    emit,
    login(conn) {
      logins++;
      const fault = loginFaults.shift() ?? null;
      if (fault === "ignore") silent.add(conn);
      return fault;
    },
    controls: {
      logins: () => logins,
      faults: {
        inject(fault, channel) {
          pending.push({ fault, channel, left: fault.times ?? 1 });
        },
        logins(fault, times = 1) {
          for (let i = 0; i < times; i++) loginFaults.push(fault);
        },
        clear() {
          pending.splice(0);
          loginFaults.splice(0);
          for (const [ch, h] of [...held]) {
            held.delete(ch);
            h();
          }
        },
      },
      cut(channel) {
        for (const c of [...conns]) if (channel === undefined || c.channel === channel) c.socket.terminate();
      },
      refuse(on) {
        refusing = on;
      },
      sent,
      connections: (channel) => [...conns].filter((c) => channel === undefined || c.channel === channel).length,
      close() {
        server.off("upgrade", onUpgrade);
        for (const c of conns) c.socket.terminate();
        wss.close();
      },
    },
  };
}
