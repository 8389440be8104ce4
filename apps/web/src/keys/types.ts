import type { RouterInputs, RouterOutputs } from "../lib/trpc";

/** A stored key as the server shows it: label, masked id, permissions — never a secret. */
export type KeyView = RouterOutputs["keys"]["list"][number];
export type KeyPermissions = NonNullable<KeyView["permissions"]>;
/** Which credential fields an exchange needs (ccxt's requiredCredentials). */
export type Requirements = RouterOutputs["keys"]["requirements"];
export type CredentialField = keyof Requirements;
export type Credentials = Omit<RouterInputs["keys"]["rotate"], "id">;
