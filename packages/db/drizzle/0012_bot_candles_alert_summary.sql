CREATE TABLE `bot_candles` (
	`bot_id` text NOT NULL,
	`time` integer NOT NULL,
	`open` real NOT NULL,
	`high` real NOT NULL,
	`low` real NOT NULL,
	`close` real NOT NULL,
	`volume` real NOT NULL,
	`received_at` integer NOT NULL,
	`warmup` integer NOT NULL,
	`missed` integer NOT NULL,
	FOREIGN KEY (`bot_id`) REFERENCES `bots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bot_candles_bot_time` ON `bot_candles` (`bot_id`,`time`);--> statement-breakpoint
ALTER TABLE `alert_channels` ADD `summary_day` integer;