CREATE TABLE `research_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`strategy_id` text,
	`strategy_version` integer,
	`kind` text NOT NULL,
	`flow` text NOT NULL,
	`market` text NOT NULL,
	`from_time` integer NOT NULL,
	`to_time` integer NOT NULL,
	`bars` integer NOT NULL,
	`params` text NOT NULL,
	`settings` text NOT NULL,
	`walk_forward` text,
	`holdout_from` integer,
	`status` text NOT NULL,
	`error` text,
	`sweep` text,
	`walk_forward_result` text,
	`duration_ms` integer,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`strategy_id`) REFERENCES `strategies`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `research_runs_strategy` ON `research_runs` (`strategy_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `strategy_holdouts` (
	`strategy_id` text PRIMARY KEY NOT NULL,
	`from_time` integer NOT NULL,
	`locked_at` integer NOT NULL,
	`unlocked_at` integer,
	`unlock` text,
	FOREIGN KEY (`strategy_id`) REFERENCES `strategies`(`id`) ON UPDATE no action ON DELETE cascade
);
