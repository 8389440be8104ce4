// The key vault's cryptography: exchange secrets sealed with AES-256-GCM under one master key.
// No storage here — callers keep the sealed strings (in the database) next to the key record id.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

export { redact } from "@keyflow/exchange";

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = "v1";
export const MASTER_KEY_FILE = "master.key";
export const MASTER_KEY_ENV = "KEYFLOW_MASTER_KEY";

/** A vault failure. Its message never contains a secret, a plaintext or the master key. */
export class VaultError extends Error {
  override readonly name = "VaultError";
}

export interface VaultOptions {
  /** Where master.key lives when no master key is given in the environment. */
  dataDir: string;
  /**
   * The VALUE of KEYFLOW_MASTER_KEY (base64 or hex of 32 bytes). When the property is absent,
   * process.env.KEYFLOW_MASTER_KEY is read; pass `undefined` explicitly to ignore the environment.
   */
  masterKeyEnv?: string | undefined;
}

export interface Vault {
  /** Short fingerprint of the master key, stored in every sealed value (not secret, not reversible). */
  readonly masterKeyId: string;
  /** Where the master key came from. */
  readonly source: "env" | "file" | "file-created";
  /**
   * Encrypts with a fresh random 12-byte nonce. `aad` binds the ciphertext to its record (use the
   * key record's id): a sealed secret copied onto another record does not open.
   */
  seal(plaintext: string, aad: string): string;
  /** Decrypts, or throws VaultError if the value was modified, belongs to another record or master key. */
  open(sealed: string, aad: string): string;
  /** Whether `sealed` was sealed under this vault's master key (reads its header only; decrypts nothing). */
  isOwn(sealed: string): boolean;
}

export function createVault(opts: VaultOptions): Vault {
  const envValue = "masterKeyEnv" in opts ? opts.masterKeyEnv : process.env[MASTER_KEY_ENV];
  let key: Buffer;
  let source: Vault["source"];
  if (envValue !== undefined && envValue.trim() !== "") {
    key = parseMasterKey(envValue.trim(), MASTER_KEY_ENV);
    source = "env";
  } else {
    ({ key, created: source } = loadOrCreateKeyFile(opts.dataDir));
  }
  const masterKeyId = createHash("sha256").update("keyflow-vault-master-key-id\0").update(key).digest("hex").slice(0, 12);
  const aadBytes = (aad: string) => Buffer.from(`keyflow-vault:${FORMAT}:${aad}`, "utf8");

  return {
    masterKeyId,
    source,
    seal(plaintext, aad) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(aadBytes(aad));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [FORMAT, masterKeyId, nonce.toString("base64url"), ciphertext.toString("base64url"), tag.toString("base64url")].join(".");
    },
    isOwn(sealed) {
      const parts = sealed.split(".");
      return parts[0] === FORMAT && parts[1] === masterKeyId;
    },
    open(sealed, aad) {
      const parts = sealed.split(".");
      if (parts.length !== 5 || parts[0] !== FORMAT) throw new VaultError("This is not a value sealed by the Keyflow vault (unknown format).");
      const [, id, nonceText, ctText, tagText] = parts as [string, string, string, string, string];
      if (id !== masterKeyId) {
        throw new VaultError(
          `This secret was sealed under a different master key (id ${id}; the current one is ${masterKeyId}). Restore the original ${MASTER_KEY_ENV} or ${MASTER_KEY_FILE}, or add the key again.`,
        );
      }
      const nonce = Buffer.from(nonceText, "base64url");
      const tag = Buffer.from(tagText, "base64url");
      if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new VaultError("The sealed secret is damaged (bad nonce or tag length).");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
        decipher.setAAD(aadBytes(aad));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ctText, "base64url")), decipher.final()]).toString("utf8");
      } catch {
        throw new VaultError("The sealed secret could not be opened: it was modified, or it belongs to a different key record.");
      }
    },
  };
}

/** 32 bytes as 64 hex characters or base64 (standard or URL-safe). The value never appears in errors. */
export function parseMasterKey(text: string, where: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (bytes.length === KEY_BYTES) return bytes;
    throw new VaultError(
      `${where} must be 32 random bytes written as 64 hex characters or 44 base64 characters (for example the output of \`openssl rand -base64 32\`); the value given decodes to ${bytes.length} bytes.`,
    );
  }
  throw new VaultError(
    `${where} must be 32 random bytes written as 64 hex characters or 44 base64 characters (for example the output of \`openssl rand -base64 32\`); the value given (${text.length} characters) is neither.`,
  );
}

const checkPrivate = (path: string): void => {
  if (process.platform === "win32") return; // POSIX modes do not describe Windows ACLs
  const st = lstatSync(path);
  if (!st.isFile()) throw new VaultError(`${path} must be a regular file holding the master key (it is not; a symlink is refused too).`);
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new VaultError(
      `The master key file ${path} has permissions ${mode.toString(8).padStart(4, "0")}, so other users of this machine can read it. Make it private to Keyflow's user: chmod 600 ${path}`,
    );
  }
};

function loadOrCreateKeyFile(dataDir: string): { key: Buffer; created: "file" | "file-created" } {
  const path = join(dataDir, MASTER_KEY_FILE);
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const key = randomBytes(KEY_BYTES);
    let fd: number | undefined;
    try {
      fd = openSync(path, "wx", 0o600); // exclusive: never overwrite a key another process just made
      writeSync(fd, `${key.toString("base64")}\n`);
      fsyncSync(fd);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new VaultError(`Could not create the master key file ${path}: ${(e as Error).message}`);
      return loadOrCreateKeyFile(dataDir);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (process.platform !== "win32") chmodSync(path, 0o600); // in case of an odd umask or filesystem
    checkPrivate(path);
    return { key, created: "file-created" };
  }
  checkPrivate(path);
  return { key: parseMasterKey(readFileSync(path, "utf8").trim(), `The master key file ${path}`), created: "file" };
}

/** "AbC1xxxxxx9xYz" → "AbC1…9xYz": enough to recognise a key, not enough to use it. */
export function maskKey(apiKey: string): string {
  if (apiKey.length >= 12) return `${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`;
  if (apiKey.length >= 6) return `…${apiKey.slice(-2)}`;
  return "…";
}
