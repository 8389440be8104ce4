CREATE TABLE `exchange_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`exchange` text NOT NULL,
	`label` text NOT NULL,
	`masked_key` text NOT NULL,
	`api_key_sealed` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`password_sealed` text,
	`uid_sealed` text,
	`credentials_version` integer DEFAULT 1 NOT NULL,
	`permissions` text,
	`warnings` text NOT NULL,
	`probe_status` text NOT NULL,
	`probe_message` text,
	`live_allowed` integer NOT NULL,
	`probed_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`rotated_at` integer,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE TABLE `bot_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bot_id` text NOT NULL,
	`time` integer NOT NULL,
	`level` text NOT NULL,
	`message` text NOT NULL,
	FOREIGN KEY (`bot_id`) REFERENCES `bots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `bot_events_bot` ON `bot_events` (`bot_id`,`id`);--> statement-breakpoint
CREATE TABLE `bot_fills` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bot_id` text NOT NULL,
	`client_order_id` text NOT NULL,
	`trade_id` text NOT NULL,
	`side` text NOT NULL,
	`price` real NOT NULL,
	`amount` real NOT NULL,
	`cost` real NOT NULL,
	`fee` real NOT NULL,
	`fee_currency` text NOT NULL,
	`time` integer NOT NULL,
	`bar_time` integer NOT NULL,
	`realized_pnl` real,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`bot_id`) REFERENCES `bots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bot_fills_trade` ON `bot_fills` (`bot_id`,`trade_id`);--> statement-breakpoint
CREATE INDEX `bot_fills_bot_time` ON `bot_fills` (`bot_id`,`id`);--> statement-breakpoint
CREATE TABLE `bot_orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bot_id` text NOT NULL,
	`client_order_id` text NOT NULL,
	`bar_time` integer NOT NULL,
	`intent` text NOT NULL,
	`side` text NOT NULL,
	`type` text NOT NULL,
	`amount` real NOT NULL,
	`price` real,
	`status` text NOT NULL,
	`exchange_order_id` text,
	`filled_qty` real DEFAULT 0 NOT NULL,
	`avg_price` real,
	`fee` real DEFAULT 0 NOT NULL,
	`fee_currency` text,
	`message` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`bot_id`) REFERENCES `bots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bot_orders_client_order_id` ON `bot_orders` (`client_order_id`);--> statement-breakpoint
CREATE INDEX `bot_orders_bot_status` ON `bot_orders` (`bot_id`,`status`);--> statement-breakpoint
CREATE INDEX `bot_orders_bot_created` ON `bot_orders` (`bot_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `bots` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`strategy_id` text,
	`strategy_version` integer,
	`flow` text NOT NULL,
	`spec` text NOT NULL,
	`spec_hash` text NOT NULL,
	`exchange` text NOT NULL,
	`symbol` text NOT NULL,
	`timeframe` text NOT NULL,
	`mode` text DEFAULT 'paper' NOT NULL,
	`key_id` text,
	`risk` text NOT NULL,
	`status` text NOT NULL,
	`halt_reason` text,
	`halted_until` integer,
	`warmup_bars` integer NOT NULL,
	`start_bar_time` integer,
	`last_bar_time` integer,
	`book` text NOT NULL,
	`lease` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`started_at` integer,
	`stopped_at` integer,
	FOREIGN KEY (`strategy_id`) REFERENCES `strategies`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`key_id`) REFERENCES `exchange_keys`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `bots_key` ON `bots` (`key_id`);