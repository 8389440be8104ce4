// Exchange API keys: checked with the exchange, sealed by the vault, never handed out in plaintext
// except to the code that signs requests in this process.
import { randomUUID } from "node:crypto";
import type { BotMode, BotStatus, ExchangeKey, KeyflowDb, KeyPermissions, KeyProbeStatus, ProbeRecord } from "@keyflow/db";
import {
  exchangeName,
  hasTestnet,
  judgeProbe,
  PERMISSION_READERS,
  KEY_PAGES,
  KeyCheckError,
  probePermissions,
  redact,
  requiredCredentials,
  Retrier,
  sharedLimiters,
  type Credentials,
  type ProbeResult,
  type RequiredCredentials,
} from "@keyflow/exchange";
import { notFound, UserError } from "../errors";
import { maskKey, VaultError, type Vault } from "../vault";
import { connectExchange } from "./connect";
import type { ExchangeSettings } from "./exchangeSettings";

/** What any API response may say about a key: never a secret, never the full API key. */
export interface KeyView {
  id: string;
  exchange: string;
  label: string;
  /** e.g. "AbC1…9xYz". */
  maskedKey: string;
  /** A testnet / demo key: it and its bots talk to the exchange's test environment only. */
  testnet: boolean;
  /** null when the last probe could not run. */
  permissions: KeyPermissions | null;
  warnings: string[];
  probe: { status: KeyProbeStatus; message: string | null; at: number };
  /** Live bots may use this key (probe passed, it may trade, and its withdrawal right is known off or confirmed off). */
  liveAllowed: boolean;
  /** The exchange cannot say whether the key can withdraw and the person has not confirmed it cannot: paper only. */
  needsWithdrawConfirmation: boolean;
  /** When the person confirmed that withdrawals are disabled for this key (null: not confirmed). */
  withdrawOffConfirmedAt: number | null;
  createdAt: number;
  updatedAt: number;
  rotatedAt: number | null;
  lastUsedAt: number | null;
  usedBy: { id: string; name: string; mode: BotMode; status: BotStatus }[];
}

export interface CredentialsInput {
  apiKey: string;
  secret: string;
  /** The passphrase some exchanges require (OKX, KuCoin…). */
  password?: string | undefined;
  uid?: string | undefined;
}

/** Said wherever a key sealed under another master key is used: the one thing that fixes it. */
export const MASTER_KEY_CHANGED =
  "The master key changed since this key was stored, so Keyflow cannot open its secret: restore KEYFLOW_MASTER_KEY (or the master.key file in the data directory) as it was, or enter the key's credentials again with Rotate (its bots keep the key). Then start its bots again.";

/**
 * The exchange cannot say whether the key can withdraw and the person has not confirmed it cannot:
 * no live bots. Read from the stored permissions, so keys checked before this rule are covered too.
 */
export const withdrawConfirmationMissing = (k: ExchangeKey): boolean =>
  k.probeStatus === "ok" && !k.testnet && k.permissions?.canWithdraw === "unknown" && k.withdrawOffConfirmedAt === null;

const FIELD_NAMES: Record<keyof RequiredCredentials, string> = { apiKey: "API key", secret: "secret", password: "passphrase", uid: "user id" };
const aad = (id: string, field: keyof RequiredCredentials) => `${id}/${field}`;

export class KeyService {
  private readonly rotationListeners = new Set<(keyId: string) => void>();

  constructor(
    private readonly db: KeyflowDb,
    private readonly vault: Vault,
    private readonly settings: ExchangeSettings,
  ) {}

  /** Which fields the add-key form must ask for on this exchange. */
  requirements(exchange: string): RequiredCredentials {
    try {
      const r = requiredCredentials(exchange);
      // Keyflow signs with key + secret everywhere, whatever the exchange lists.
      return { ...r, apiKey: true, secret: true };
    } catch {
      throw new UserError("BAD_REQUEST", `Unknown exchange "${exchange}". Use a ccxt exchange id in lower case, e.g. binance, kraken, okx.`, {
        kind: "input",
        issues: [{ path: "exchange", message: "unknown exchange" }],
      });
    }
  }

  /**
   * What Keyflow can verify and offer on an exchange, for the add-key form: whether the exchange
   * reports a key's rights and its IP whitelist (packages/exchange/README.md), a testnet, a passphrase.
   */
  capabilities(exchange: string): {
    name: string;
    permissionsReported: boolean;
    ipWhitelistReported: boolean;
    testnet: boolean;
    passphrase: boolean;
    /** Where keys are created on the exchange (and on its testnet, where that is another page); null when Keyflow does not know. */
    keysUrl: string | null;
    testnetKeysUrl: string | null;
  } {
    const need = this.requirements(exchange);
    const reader = PERMISSION_READERS[exchange];
    const page = KEY_PAGES[exchange];
    const testnet = hasTestnet(exchange);
    return {
      name: exchangeName(exchange),
      permissionsReported: reader !== undefined,
      ipWhitelistReported: reader?.reportsIpWhitelist === true,
      testnet,
      passphrase: need.password,
      keysUrl: page?.url ?? null,
      testnetKeysUrl: testnet ? (page?.testnetUrl ?? page?.url ?? null) : null,
    };
  }

  /** Checks the credentials with the exchange and stores them sealed; refuses keys that can withdraw. */
  async add(input: { exchange: string; label?: string | undefined; testnet?: boolean | undefined } & CredentialsInput): Promise<KeyView> {
    const creds = this.checkFields(input.exchange, input);
    const testnet = input.testnet === true;
    if (testnet && !hasTestnet(input.exchange)) {
      throw new UserError("BAD_REQUEST", `${input.exchange} has no testnet Keyflow can use: add a key of the real exchange instead (untick "testnet").`, {
        kind: "input",
        issues: [{ path: "testnet", message: "no testnet on this exchange" }],
      });
    }
    const id = randomUUID();
    const probe = await this.probeOrThrow(input.exchange, id, creds, testnet);
    const label = input.label?.trim() || `${input.exchange}${testnet ? " testnet" : ""} key ${maskKey(creds.apiKey)}`;
    this.db.keys.create({ id, exchange: input.exchange, label, maskedKey: maskKey(creds.apiKey), testnet, ...this.seal(id, creds), ...probe });
    return this.view(id);
  }

  list(): KeyView[] {
    return this.db.keys.list().map((k) => this.toView(k));
  }

  view(id: string): KeyView {
    return this.toView(this.row(id));
  }

  /** Asks the exchange again what the key may do and records the answer (a failed check is recorded, not thrown). */
  async probe(id: string): Promise<KeyView> {
    const k = this.row(id);
    const creds = this.credentials(id);
    let record: ProbeRecord;
    try {
      record = await this.runProbe(k.exchange, id, creds, k.testnet, k.withdrawOffConfirmedAt !== null);
    } catch (e) {
      if (!(e instanceof KeyCheckError)) throw e;
      record = { permissions: k.permissions, warnings: k.warnings, probeStatus: "failed", probeMessage: e.message, liveAllowed: false };
    }
    this.db.keys.recordProbe(id, record);
    return this.view(id);
  }

  /**
   * Replaces the key's credentials in place after checking the new ones. Bots using the key keep
   * running: they compare credentialsVersion before each loop and sign with the new secret from then
   * on. The old sealed values are overwritten on disk.
   */
  async rotate(id: string, input: CredentialsInput): Promise<KeyView> {
    const k = this.row(id);
    const creds = this.checkFields(k.exchange, input);
    // Checked in the key's own environment: testnet credentials cannot replace real ones, nor the reverse.
    const probe = await this.probeOrThrow(k.exchange, id, creds, k.testnet);
    this.db.keys.rotate(id, { ...this.seal(id, creds), maskedKey: maskKey(creds.apiKey) }, probe);
    for (const listener of this.rotationListeners) listener(id);
    return this.view(id);
  }

  /**
   * Records that the person confirmed withdrawals are disabled for a key whose withdrawal right the
   * exchange does not report; from then on it may run live bots (if it may trade).
   */
  confirmNoWithdraw(id: string): KeyView {
    const k = this.row(id);
    if (k.probeStatus !== "ok" || !k.permissions) {
      throw new UserError("PRECONDITION_FAILED", `The key "${k.label}" did not pass its last check: check it again (keys.probe, \`keyflow keys probe ${id}\`) before confirming anything about it.`, {
        kind: "key",
        reason: "not-checked",
      });
    }
    if (k.permissions.canWithdraw !== "unknown") {
      throw new UserError("BAD_REQUEST", `${k.exchange} reports this key's withdrawal right itself (${k.permissions.canWithdraw ? "enabled" : "disabled"}): there is nothing to confirm.`, {
        kind: "key",
        reason: "withdraw-known",
      });
    }
    const verdict = judgeProbe({ ...k.permissions, warnings: k.permissions.warnings ?? [] }, { withdrawOffConfirmed: true, testnet: k.testnet });
    this.db.keys.confirmWithdrawOff(id, { warnings: verdict.warnings, liveAllowed: verdict.accepted && verdict.liveAllowed });
    return this.view(id);
  }

  /** Deletes a key; refused while a live bot that is not stopped uses it. */
  remove(id: string): void {
    const k = this.row(id);
    const live = this.db.bots.liveUsingKey(id);
    if (live.length > 0) {
      const names = live.map((b) => `"${b.name}" (${b.id})`).join(", ");
      throw new UserError("CONFLICT", `This key is used by the live bot${live.length > 1 ? "s" : ""} ${names}: stop ${live.length > 1 ? "them" : "it"} first (bots.stop, or \`keyflow bots stop <id>\`), then delete the key.`, {
        kind: "conflict",
      });
    }
    this.db.keys.remove(id);
    sharedLimiters.delete(k.exchange, id);
  }

  /** The plaintext credentials — for the runner that signs requests with them, nothing else. */
  credentials(id: string): Credentials {
    const k = this.usable(id);
    try {
      const c: Credentials = { apiKey: this.vault.open(k.apiKeySealed, aad(id, "apiKey")), secret: this.vault.open(k.secretSealed, aad(id, "secret")) };
      if (k.passwordSealed) c.password = this.vault.open(k.passwordSealed, aad(id, "password"));
      if (k.uidSealed) c.uid = this.vault.open(k.uidSealed, aad(id, "uid"));
      return c;
    } catch (e) {
      if (!(e instanceof VaultError)) throw e;
      throw new UserError("PRECONDITION_FAILED", `The stored secret of the key "${k.label}" cannot be opened (${e.message}) Add the key again.`, { kind: "key", reason: "damaged" });
    }
  }

  /** Every stored credential this process can open: for redacting a text whose origin is unknown (a stray error). */
  openableSecrets(): string[] {
    const out: string[] = [];
    for (const k of this.db.keys.list()) {
      try {
        const c = this.credentials(k.id);
        out.push(...[c.apiKey, c.secret, c.password, c.uid].filter((v): v is string => typeof v === "string"));
      } catch {
        // Sealed under another master key or damaged: this process cannot have used it.
      }
    }
    return out;
  }

  /** The key's record when its secrets are sealed under the current master key; a user error saying how to fix it otherwise. */
  usable(id: string): ExchangeKey {
    const k = this.row(id);
    if (!this.ownSeal(k)) throw new UserError("PRECONDITION_FAILED", `Key "${k.label}": ${MASTER_KEY_CHANGED}`, { kind: "key", reason: "master-key" });
    return k;
  }

  /** How many stored keys this master key cannot open (told once at start). */
  sealedElsewhere(): number {
    return this.db.keys.list().filter((k) => !this.ownSeal(k)).length;
  }

  private ownSeal(k: ExchangeKey): boolean {
    return this.vault.isOwn(k.apiKeySealed) && this.vault.isOwn(k.secretSealed);
  }

  /**
   * Called right after a key is rotated in this process, so runners here switch before their next
   * request (runners in other processes notice the bumped credentialsVersion on their next loop).
   */
  onRotate(listener: (keyId: string) => void): () => void {
    this.rotationListeners.add(listener);
    return () => this.rotationListeners.delete(listener);
  }

  /** Current credentials version (bumped by rotate). */
  version(id: string): number | undefined {
    return this.db.keys.get(id)?.credentialsVersion;
  }

  /** The key is a testnet / demo key (its bots must connect to the test environment). */
  isTestnet(id: string): boolean {
    return this.row(id).testnet;
  }

  touch(id: string): void {
    this.db.keys.touch(id);
  }

  private row(id: string): ExchangeKey {
    const k = this.db.keys.get(id);
    if (!k) throw notFound("This key");
    return k;
  }

  private checkFields(exchange: string, input: CredentialsInput): Credentials {
    const need = this.requirements(exchange);
    const given: Record<keyof RequiredCredentials, string | undefined> = {
      apiKey: input.apiKey?.trim(),
      secret: input.secret?.trim(),
      password: input.password?.trim() || undefined,
      uid: input.uid?.trim() || undefined,
    };
    const missing = (Object.keys(need) as (keyof RequiredCredentials)[]).filter((f) => need[f] && !given[f]);
    if (missing.length > 0) {
      throw new UserError("BAD_REQUEST", `${exchange} keys need ${missing.map((f) => `a ${FIELD_NAMES[f]}`).join(" and ")}: fill in ${missing.length > 1 ? "these fields" : "this field"} as the exchange showed them when the key was created.`, {
        kind: "input",
        issues: missing.map((f) => ({ path: f, message: "required" })),
      });
    }
    const c: Credentials = { apiKey: given.apiKey!, secret: given.secret! };
    if (given.password) c.password = given.password;
    if (given.uid) c.uid = given.uid;
    return c;
  }

  private async runProbe(exchange: string, keyId: string, creds: Credentials, testnet: boolean, withdrawOffConfirmed = false): Promise<ProbeRecord> {
    const ex = connectExchange(this.settings, exchange, { credentials: creds, keyId, bans: this.db.bans, testnet });
    let result: ProbeResult;
    try {
      result = await probePermissions(ex, { retrier: new Retrier({ maxAttempts: 3, baseDelayMs: 300 }) });
    } catch (e) {
      if (e instanceof KeyCheckError) throw e;
      // Not a ccxt error: a bug or an odd answer. Say so without any credential in the text.
      throw new KeyCheckError("unknown", redact(`The key check failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`, Object.values(creds)));
    } finally {
      await ex.close().catch(() => undefined);
    }
    const verdict = judgeProbe(result, { withdrawOffConfirmed, testnet });
    return {
      permissions: result,
      warnings: verdict.warnings,
      probeStatus: verdict.accepted ? "ok" : "refused",
      probeMessage: verdict.accepted ? null : verdict.errors.join(" "),
      liveAllowed: verdict.accepted && verdict.liveAllowed,
    };
  }

  /** A probe for add/rotate: anything but an accepted key is a UserError and nothing is stored. */
  private async probeOrThrow(exchange: string, keyId: string, creds: Credentials, testnet: boolean): Promise<ProbeRecord> {
    let record: ProbeRecord;
    try {
      record = await this.runProbe(exchange, keyId, creds, testnet);
    } catch (e) {
      if (e instanceof KeyCheckError) throw new UserError("BAD_REQUEST", e.message, { kind: "key", reason: e.kind });
      throw e;
    }
    if (record.probeStatus !== "ok") {
      const reason = record.permissions?.canWithdraw === true ? "withdraw" : record.permissions?.canRead === false ? "no-read" : "refused";
      throw new UserError("BAD_REQUEST", record.probeMessage ?? "Keyflow refuses this key.", { kind: "key", reason });
    }
    return record;
  }

  private seal(id: string, c: Credentials) {
    return {
      apiKeySealed: this.vault.seal(c.apiKey, aad(id, "apiKey")),
      secretSealed: this.vault.seal(c.secret, aad(id, "secret")),
      passwordSealed: c.password ? this.vault.seal(c.password, aad(id, "password")) : null,
      uidSealed: c.uid ? this.vault.seal(c.uid, aad(id, "uid")) : null,
    };
  }

  private toView(k: ExchangeKey): KeyView {
    return {
      id: k.id,
      exchange: k.exchange,
      label: k.label,
      maskedKey: k.maskedKey,
      testnet: k.testnet,
      permissions: k.permissions,
      warnings: this.ownSeal(k) ? k.warnings : [MASTER_KEY_CHANGED, ...k.warnings],
      probe: { status: k.probeStatus, message: k.probeMessage, at: k.probedAt },
      liveAllowed: k.liveAllowed && this.ownSeal(k) && !withdrawConfirmationMissing(k),
      needsWithdrawConfirmation: withdrawConfirmationMissing(k),
      withdrawOffConfirmedAt: k.withdrawOffConfirmedAt,
      createdAt: k.createdAt,
      updatedAt: k.updatedAt,
      rotatedAt: k.rotatedAt,
      lastUsedAt: k.lastUsedAt,
      usedBy: this.db.bots.usingKey(k.id).map((b) => ({ id: b.id, name: b.name, mode: b.mode, status: b.status })),
    };
  }
}
