ALTER TABLE `portfolio_runs` ADD `data` text;--> statement-breakpoint
ALTER TABLE `portfolio_runs` ADD `status` text DEFAULT 'done' NOT NULL;--> statement-breakpoint
ALTER TABLE `portfolio_runs` ADD `error` text;--> statement-breakpoint
ALTER TABLE `portfolio_runs` ADD `results` blob;--> statement-breakpoint
ALTER TABLE `portfolio_runs` ADD `fill_rules` text;--> statement-breakpoint
ALTER TABLE `portfolio_runs` ADD `finished_at` integer;--> statement-breakpoint
ALTER TABLE `portfolio_runs` ADD `name` text;--> statement-breakpoint
ALTER TABLE `portfolio_runs` ADD `pinned` integer DEFAULT false NOT NULL;