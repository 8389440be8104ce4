ALTER TABLE `backtest_runs` ADD `data_hash` text;--> statement-breakpoint
ALTER TABLE `backtest_runs` ADD `data_first_time` integer;--> statement-breakpoint
ALTER TABLE `backtest_runs` ADD `data_last_time` integer;--> statement-breakpoint
ALTER TABLE `backtest_runs` ADD `engine_version` text;--> statement-breakpoint
ALTER TABLE `backtest_runs` ADD `fill_rules` text;--> statement-breakpoint
ALTER TABLE `backtest_runs` ADD `rerun_of` text;--> statement-breakpoint
ALTER TABLE `backtest_runs` ADD `verification` text;