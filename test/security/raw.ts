// Raw HTTP over a socket: requests no HTTP client would send.
import { connect } from "node:net";

/** The status code of an HTTP response text, or null when the server sent none (closed the socket). */
export function statusOf(response: string): number | null {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(response);
  return m ? Number(m[1]) : null;
}

/**
 * Writes `chunks` (strings or bytes) to 127.0.0.1:port and collects the answer until the server
 * closes the socket or `idleMs` pass without data after the last write (then this side closes).
 * `end: false` keeps the writing half open (a client that stops mid-request).
 */
export function raw(port: number, chunks: (string | Buffer)[], opts: { idleMs?: number; end?: boolean } = {}): Promise<string> {
  const idleMs = opts.idleMs ?? 1500;
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(got).toString("latin1"));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    };
    socket.on("data", (d: Buffer) => {
      got.push(d);
      arm();
    });
    socket.on("error", finish);
    socket.on("close", finish);
    socket.on("connect", () => {
      for (const c of chunks) socket.write(c);
      if (opts.end !== false) socket.end();
      arm();
    });
  });
}
