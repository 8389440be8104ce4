CREATE TABLE `portfolio_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`strategy_id` text,
	`strategy_version` integer,
	`flow` text NOT NULL,
	`spec_hash` text NOT NULL,
	`exchange` text NOT NULL,
	`timeframe` text NOT NULL,
	`from_time` integer NOT NULL,
	`to_time` integer NOT NULL,
	`settings` text NOT NULL,
	`rules` text NOT NULL,
	`bars` integer NOT NULL,
	`metrics` text NOT NULL,
	`markets` text NOT NULL,
	`equity` text NOT NULL,
	`engine_version` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`strategy_id`) REFERENCES `strategies`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `portfolio_runs_strategy` ON `portfolio_runs` (`strategy_id`,`created_at`);