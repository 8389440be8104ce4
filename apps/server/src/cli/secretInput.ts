// Reading credentials for the CLI: from stdin when it is piped, else from a prompt that does not
// echo. Never from argv (shell history, `ps` and CI logs would keep them).

/** Flags that would put a credential on the command line; refused with an explanation. */
const SECRET_FLAG = /^--?(secret|api-?secret|secret-?key|password|passphrase|pass|api-?key|key-?secret|uid|token|bot-?token)(=.*)?$/i;

export class SecretOnCommandLine extends Error {}

export function refuseSecretFlags(argv: string[]): void {
  const bad = argv.find((a) => SECRET_FLAG.test(a));
  if (bad) {
    const flag = bad.split("=")[0];
    throw new SecretOnCommandLine(
      `${flag} is not accepted: credentials on the command line end up in shell history and process lists. ` +
        "Run the command without it and type them at the hidden prompt, or pipe them in, one per line (API key, secret, then the passphrase if the exchange needs one): " +
        "`printf '%s\\n' \"$API_KEY\" \"$SECRET\" | keyflow keys add binance`.",
    );
  }
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** One line typed without echo (raw mode), for a TTY. */
function hiddenPrompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          cleanup();
          process.stderr.write("\n");
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          cleanup();
          process.stderr.write("\n");
          reject(new Error("Cancelled."));
          return;
        }
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    const cleanup = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on("data", onData);
  });
}

export interface CredentialFields {
  apiKey: string;
  secret: string;
  password?: string | undefined;
  uid?: string | undefined;
}

/** Reads the fields the exchange needs: piped stdin (one per line) or hidden prompts. */
export async function readCredentials(need: { password: boolean; uid: boolean }): Promise<CredentialFields> {
  if (!process.stdin.isTTY) {
    const lines = (await readAllStdin()).split(/\r?\n/).map((l) => l.trim());
    const [apiKey = "", secret = "", third, fourth] = lines;
    return { apiKey, secret, password: need.password ? third : undefined, uid: need.uid ? (need.password ? fourth : third) : undefined };
  }
  const apiKey = await hiddenPrompt("API key (hidden): ");
  const secret = await hiddenPrompt("Secret (hidden): ");
  const password = need.password ? await hiddenPrompt("Passphrase (hidden): ") : undefined;
  const uid = need.uid ? await hiddenPrompt("User id (hidden): ") : undefined;
  return { apiKey, secret, password, uid };
}

/** One secret: the first line of piped stdin, or a hidden prompt. */
export async function readSecretLine(question: string): Promise<string> {
  if (!process.stdin.isTTY) return ((await readAllStdin()).split(/\r?\n/)[0] ?? "").trim();
  return (await hiddenPrompt(question)).trim();
}

/** A yes/no the user must type in full (live trading). */
export async function confirmTyped(question: string, expected: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
}
