ALTER TABLE `backtest_runs` ADD `name` text;--> statement-breakpoint
ALTER TABLE `backtest_runs` ADD `pinned` integer DEFAULT false NOT NULL;