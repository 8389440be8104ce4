PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_portfolio_runs` (
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
	`data` text,
	`status` text DEFAULT 'done' NOT NULL,
	`error` text,
	`metrics` text,
	`markets` text,
	`results` blob,
	`equity` text,
	`engine_version` text NOT NULL,
	`fill_rules` text,
	`duration_ms` integer,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	`name` text,
	`pinned` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`strategy_id`) REFERENCES `strategies`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_portfolio_runs`("id", "strategy_id", "strategy_version", "flow", "spec_hash", "exchange", "timeframe", "from_time", "to_time", "settings", "rules", "bars", "data", "status", "error", "metrics", "markets", "results", "equity", "engine_version", "fill_rules", "duration_ms", "created_at", "finished_at", "name", "pinned") SELECT "id", "strategy_id", "strategy_version", "flow", "spec_hash", "exchange", "timeframe", "from_time", "to_time", "settings", "rules", "bars", "data", "status", "error", "metrics", "markets", "results", "equity", "engine_version", "fill_rules", "duration_ms", "created_at", "finished_at", "name", "pinned" FROM `portfolio_runs`;--> statement-breakpoint
DROP TABLE `portfolio_runs`;--> statement-breakpoint
ALTER TABLE `__new_portfolio_runs` RENAME TO `portfolio_runs`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `portfolio_runs_strategy` ON `portfolio_runs` (`strategy_id`,`created_at`);