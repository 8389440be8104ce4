CREATE TABLE `exchange_bans` (
	`exchange` text NOT NULL,
	`key_id` text NOT NULL,
	`until` integer NOT NULL,
	`reason` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`exchange`, `key_id`)
);
--> statement-breakpoint
ALTER TABLE `bots` ADD `after_downtime` text DEFAULT '{"exits":"exit","entries":"skip"}' NOT NULL;