ALTER TABLE `exchange_keys` ADD `testnet` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `exchange_keys` ADD `withdraw_off_confirmed_at` integer;