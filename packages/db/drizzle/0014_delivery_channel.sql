ALTER TABLE `bot_candles` ADD `channel` text DEFAULT 'poll' NOT NULL;--> statement-breakpoint
ALTER TABLE `bot_fills` ADD `channel` text DEFAULT 'poll' NOT NULL;