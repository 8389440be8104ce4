export { createVault, maskKey, redact, parseMasterKey, VaultError, MASTER_KEY_ENV, MASTER_KEY_FILE, type Vault, type VaultOptions } from "./vault";
