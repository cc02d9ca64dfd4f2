ALTER TABLE `delivery_attempts` ADD `config_version` text;--> statement-breakpoint
CREATE INDEX `attempts_buyer_version_idx` ON `delivery_attempts` (`buyer_id`,`config_version`);