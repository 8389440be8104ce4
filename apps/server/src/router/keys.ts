import { nameSchema } from "@keyflow/core";
import { z } from "zod";
import { createTRPCRouter, publicProcedure } from "../trpc";

const id = z.string().min(1).max(64);
const exchange = z.string().trim().min(1).max(64);
// Credentials: bounded, never echoed back in any error (zod messages do not quote the value).
const credential = z.string().trim().min(1).max(512);
const optionalCredential = z.string().trim().max(512).optional();
const credentials = { apiKey: credential, secret: credential, password: optionalCredential, uid: optionalCredential };

/**
 * Exchange API keys. No procedure ever returns a secret, a passphrase or a full API key: a key is
 * shown as its label, exchange and masked id (`AbC1…9xYz`), with the permissions the exchange reported.
 */
export const keysRouter = createTRPCRouter({
  /** Which credential fields the add-key form needs for an exchange (ccxt's requiredCredentials). */
  requirements: publicProcedure.input(z.object({ exchange })).query(({ ctx, input }) => ctx.services.keys.requirements(input.exchange)),

  /**
   * Checks the key with the exchange (permission probe) and stores it encrypted. Refused with
   * `userError.kind = "key"`: a key that can withdraw (`reason: "withdraw"`), one the exchange rejects
   * (`"bad-key"`, `"bad-signature"`, `"permission"`), one that cannot read (`"no-read"`).
   */
  add: publicProcedure
    .input(z.object({ exchange, label: nameSchema.optional(), testnet: z.boolean().optional(), ...credentials }))
    .mutation(({ ctx, input }) => ctx.services.keys.add(input)),

  /** What Keyflow can offer on an exchange: a testnet (ccxt sandbox), a passphrase field. */
  capabilities: publicProcedure.input(z.object({ exchange })).query(({ ctx, input }) => ctx.services.keys.capabilities(input.exchange)),

  list: publicProcedure.query(({ ctx }) => ctx.services.keys.list()),

  get: publicProcedure.input(z.object({ id })).query(({ ctx, input }) => ctx.services.keys.view(input.id)),

  /** Asks the exchange again what the key may do; a failed check is recorded in `probe`, not thrown. */
  probe: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.keys.probe(input.id)),

  /** New credentials for the same key record (checked first); bots using it keep running and sign with them. */
  rotate: publicProcedure.input(z.object({ id, ...credentials })).mutation(({ ctx, input }) => {
    const { id: keyId, ...creds } = input;
    return ctx.services.keys.rotate(keyId, creds);
  }),

  /**
   * The person confirms that withdrawals are disabled for a key whose withdrawal right the exchange
   * does not report (`needsWithdrawConfirmation`): it may then run live bots. A rotation clears it.
   */
  confirmNoWithdraw: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.keys.confirmNoWithdraw(input.id)),

  /** Refused (CONFLICT) while a live bot that is not stopped uses the key. */
  remove: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => {
    ctx.services.keys.remove(input.id);
    return { removed: true as const };
  }),
});
