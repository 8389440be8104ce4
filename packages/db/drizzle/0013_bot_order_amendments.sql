ALTER TABLE `bot_orders` ADD `replaces` text;--> statement-breakpoint
ALTER TABLE `bot_orders` ADD `amend_mode` text;--> statement-breakpoint
ALTER TABLE `bot_orders` ADD `gap_ms` integer;