import type { RouterInputs, RouterOutputs } from "../lib/trpc";

/** A stored key as the server shows it: label, masked id, permissions — never a secret. */
export type KeyView = RouterOutputs["keys"]["list"][number];
export type KeyPermissions = NonNullable<KeyView["permissions"]>;
/** Which credential fields an exchange needs (ccxt's requiredCredentials). */
export type Requirements = RouterOutputs["keys"]["requirements"];
/** What Keyflow can offer on an exchange (a testnet, a passphrase). */
export type Capabilities = RouterOutputs["keys"]["capabilities"];
export type CredentialField = keyof Requirements;
export type Credentials = Omit<RouterInputs["keys"]["rotate"], "id">;
