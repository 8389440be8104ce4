CREATE TABLE `candle_chunks` (
	`series_id` integer NOT NULL,
	`chunk_start` integer NOT NULL,
	`count` integer NOT NULL,
	`first_time` integer NOT NULL,
	`last_time` integer NOT NULL,
	`data` blob NOT NULL,
	PRIMARY KEY(`series_id`, `chunk_start`),
	FOREIGN KEY (`series_id`) REFERENCES `candle_series`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `candle_series` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`exchange` text NOT NULL,
	`symbol` text NOT NULL,
	`timeframe` text NOT NULL,
	`source` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`first_time` integer,
	`last_time` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `candle_series_market` ON `candle_series` (`exchange`,`symbol`,`timeframe`);--> statement-breakpoint
CREATE TABLE `strategies` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`latest_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `strategy_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`strategy_id` text NOT NULL,
	`version` integer NOT NULL,
	`flow` text NOT NULL,
	`spec_hash` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`strategy_id`) REFERENCES `strategies`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `strategy_versions_strategy_version` ON `strategy_versions` (`strategy_id`,`version`);--> statement-breakpoint
CREATE TABLE `backtest_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`strategy_id` text,
	`strategy_version` integer,
	`flow` text NOT NULL,
	`spec_hash` text NOT NULL,
	`exchange` text NOT NULL,
	`symbol` text NOT NULL,
	`timeframe` text NOT NULL,
	`from_time` integer NOT NULL,
	`to_time` integer NOT NULL,
	`settings` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`bars` integer NOT NULL,
	`metrics` text,
	`trades` text,
	`open_position` text,
	`chart` text,
	`duration_ms` integer,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`strategy_id`) REFERENCES `strategies`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `backtest_runs_strategy` ON `backtest_runs` (`strategy_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `backtest_runs_created` ON `backtest_runs` (`created_at`);