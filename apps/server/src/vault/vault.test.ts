import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVault, maskKey, redact, VaultError } from "./index";

const SECRET = "sEcReT-9f8e7d6c5b4a39281706f5e4d3c2b1a0-exchange-secret";
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "keyflow-vault-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): VaultError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VaultError);
    return e as VaultError;
  }
  throw new Error("expected a VaultError");
}

describe("vault: master key from KEYFLOW_MASTER_KEY", () => {
  it("accepts 32 bytes as hex or base64 and round-trips a secret", () => {
    const raw = randomBytes(32);
    for (const env of [raw.toString("hex"), raw.toString("base64"), raw.toString("base64url")]) {
      const v = createVault({ dataDir: dir, masterKeyEnv: env });
      expect(v.source).toBe("env");
      expect(v.open(v.seal(SECRET, "key-1"), "key-1")).toBe(SECRET);
    }
    // the same key in any notation is the same key
    const a = createVault({ dataDir: dir, masterKeyEnv: raw.toString("hex") });
    const b = createVault({ dataDir: dir, masterKeyEnv: raw.toString("base64") });
    expect(b.open(a.seal(SECRET, "k"), "k")).toBe(SECRET);
  });

  it("refuses a malformed master key clearly, without echoing it", () => {
    for (const bad of ["hunter2-is-my-master-key!", randomBytes(16).toString("base64"), "ab".repeat(31)]) {
      const e = thrown(() => createVault({ dataDir: dir, masterKeyEnv: bad }));
      expect(e.message).toMatch(/KEYFLOW_MASTER_KEY must be 32 random bytes/);
      expect(e.message).not.toContain(bad);
    }
  });
});

describe("vault: generated master.key file", () => {
  it("creates master.key with mode 0600 and reuses it on the next start", () => {
    const first = createVault({ dataDir: join(dir, "data"), masterKeyEnv: undefined });
    expect(first.source).toBe("file-created");
    const path = join(dir, "data", "master.key");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const sealed = first.seal(SECRET, "key-9");
    const second = createVault({ dataDir: join(dir, "data"), masterKeyEnv: undefined });
    expect(second.source).toBe("file");
    expect(second.masterKeyId).toBe(first.masterKeyId);
    expect(second.open(sealed, "key-9")).toBe(SECRET);
    expect(readFileSync(path, "utf8")).not.toContain(SECRET);
  });

  it("refuses a master.key that other users can read, saying how to fix it", () => {
    createVault({ dataDir: dir, masterKeyEnv: undefined });
    const path = join(dir, "master.key");
    for (const mode of [0o644, 0o640, 0o604]) {
      chmodSync(path, mode);
      const e = thrown(() => createVault({ dataDir: dir, masterKeyEnv: undefined }));
      expect(e.message).toContain(`chmod 600 ${path}`);
      expect(e.message).toContain(mode.toString(8));
    }
    chmodSync(path, 0o600);
    expect(createVault({ dataDir: dir, masterKeyEnv: undefined }).source).toBe("file");
  });

  it("refuses a damaged key file without printing its content", () => {
    writeFileSync(join(dir, "master.key"), "not-a-key\n", { mode: 0o600 });
    const e = thrown(() => createVault({ dataDir: dir, masterKeyEnv: undefined }));
    expect(e.message).toMatch(/master key file .* must be 32 random bytes/);
    expect(e.message).not.toContain("not-a-key");
  });
});

describe("vault: sealing", () => {
  const vault = () => createVault({ dataDir: dir, masterKeyEnv: randomBytes(32).toString("hex") });

  it("uses a unique nonce per secret, so equal secrets never seal alike", () => {
    const v = vault();
    const sealed = Array.from({ length: 2000 }, () => v.seal(SECRET, "key-1"));
    const nonces = new Set(sealed.map((s) => s.split(".")[2]));
    expect(nonces.size).toBe(2000);
    expect(new Set(sealed).size).toBe(2000);
    expect(Buffer.from(sealed[0]!.split(".")[2]!, "base64url")).toHaveLength(12);
    for (const s of sealed.slice(0, 10)) expect(s).not.toContain(SECRET);
  });

  it("detects tampering with the nonce, ciphertext or tag", () => {
    const v = vault();
    const sealed = v.seal(SECRET, "key-1");
    const parts = sealed.split(".");
    for (const i of [2, 3, 4]) {
      const bytes = Buffer.from(parts[i]!, "base64url");
      bytes[0] = bytes[0]! ^ 0x01;
      const tampered = [...parts];
      tampered[i] = bytes.toString("base64url");
      const e = thrown(() => v.open(tampered.join("."), "key-1"));
      expect(e.message).toMatch(/modified|damaged/);
      expect(e.message).not.toContain(SECRET);
    }
  });

  it("binds a sealed secret to its key record (AAD): it does not open under another id", () => {
    const v = vault();
    const e = thrown(() => v.open(v.seal(SECRET, "key-1"), "key-2"));
    expect(e.message).toMatch(/different key record/);
    expect(e.message).not.toContain(SECRET);
  });

  it("says when a secret was sealed under another master key", () => {
    const sealed = vault().seal(SECRET, "key-1");
    const e = thrown(() => vault().open(sealed, "key-1"));
    expect(e.message).toMatch(/different master key/);
    expect(e.message).not.toContain(SECRET);
    expect(thrown(() => vault().open("plaintext-looking-thing", "key-1")).message).toMatch(/not a value sealed/);
  });

  it("round-trips unicode and empty secrets", () => {
    const v = vault();
    for (const s of ["", "pässwörd ✓ 🔑", "x".repeat(10_000)]) expect(v.open(v.seal(s, "k"), "k")).toBe(s);
  });
});

describe("maskKey and redact", () => {
  it("shows the first and last four characters of a key", () => {
    expect(maskKey("AbC1xxxxxx9xYz")).toBe("AbC1…9xYz");
    expect(maskKey("short1")).toBe("…t1");
    expect(maskKey("abc")).toBe("…");
  });

  it("removes secrets from log lines and error messages", () => {
    expect(redact(`failed to sign with ${SECRET} (key AbC1xxxxxx9xYz)`, [SECRET, "AbC1xxxxxx9xYz"])).toBe("failed to sign with [redacted] (key [redacted])");
  });
});
