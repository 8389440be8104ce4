DROP INDEX `bot_fills_trade`;--> statement-breakpoint
ALTER TABLE `bot_fills` ADD `symbol` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `bot_fills_bot_symbol` ON `bot_fills` (`bot_id`,`symbol`);--> statement-breakpoint
CREATE UNIQUE INDEX `bot_fills_trade` ON `bot_fills` (`bot_id`,`symbol`,`trade_id`);--> statement-breakpoint
ALTER TABLE `bot_orders` ADD `symbol` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `bot_orders_bot_symbol` ON `bot_orders` (`bot_id`,`symbol`);--> statement-breakpoint
-- Rows from before: the bot's own symbol; a paper bot group's rows carry their market in the intent ("ETH/USDT entry").
UPDATE `bot_orders` SET `symbol` = (SELECT `bots`.`symbol` FROM `bots` WHERE `bots`.`id` = `bot_orders`.`bot_id`);--> statement-breakpoint
UPDATE `bot_orders` SET `symbol` = substr(`intent`, 1, instr(`intent`, ' ') - 1) WHERE instr(`intent`, ' ') > 1 AND instr(substr(`intent`, 1, instr(`intent`, ' ') - 1), '/') > 0;--> statement-breakpoint
UPDATE `bot_fills` SET `symbol` = coalesce((SELECT `bot_orders`.`symbol` FROM `bot_orders` WHERE `bot_orders`.`client_order_id` = `bot_fills`.`client_order_id`), (SELECT `bots`.`symbol` FROM `bots` WHERE `bots`.`id` = `bot_fills`.`bot_id`));
