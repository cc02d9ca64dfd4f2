CREATE TABLE `alert_notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`alert_id` text NOT NULL,
	`target` text NOT NULL,
	`level` integer NOT NULL,
	`event` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_status` integer,
	`last_error` text,
	`created_at` text NOT NULL,
	`sent_at` text
);
--> statement-breakpoint
CREATE INDEX `alert_notifications_alert_idx` ON `alert_notifications` (`alert_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ops_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `refusal_rollups` (
	`grain` text NOT NULL,
	`bucket` text NOT NULL,
	`source_id` text NOT NULL,
	`field` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`grain`, `bucket`, `source_id`, `field`)
);
--> statement-breakpoint
CREATE TABLE `regression_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`buyer_id` text NOT NULL,
	`day` text NOT NULL,
	`outcome` text NOT NULL,
	`reason` text,
	`status_code` integer,
	`elapsed_ms` integer,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `regression_runs_buyer_day_uq` ON `regression_runs` (`buyer_id`,`day`);--> statement-breakpoint
CREATE TABLE `rollups` (
	`grain` text NOT NULL,
	`bucket` text NOT NULL,
	`dim` text NOT NULL,
	`key` text NOT NULL,
	`leads` integer DEFAULT 0 NOT NULL,
	`test_leads` integer DEFAULT 0 NOT NULL,
	`refused` integer DEFAULT 0 NOT NULL,
	`sold` integer DEFAULT 0 NOT NULL,
	`unsold` integer DEFAULT 0 NOT NULL,
	`expired` integer DEFAULT 0 NOT NULL,
	`revenue` real DEFAULT 0 NOT NULL,
	`returns` integer DEFAULT 0 NOT NULL,
	`credited` real DEFAULT 0 NOT NULL,
	`conversions` integer DEFAULT 0 NOT NULL,
	`conversion_revenue` real DEFAULT 0 NOT NULL,
	`pings` integer DEFAULT 0 NOT NULL,
	`bids` integer DEFAULT 0 NOT NULL,
	`bid_value` real DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`att_accepted` integer DEFAULT 0 NOT NULL,
	`att_rejected` integer DEFAULT 0 NOT NULL,
	`att_failed` integer DEFAULT 0 NOT NULL,
	`att_pending` integer DEFAULT 0 NOT NULL,
	`retries` integer DEFAULT 0 NOT NULL,
	`err_transient` integer DEFAULT 0 NOT NULL,
	`err_ambiguous` integer DEFAULT 0 NOT NULL,
	`err_client` integer DEFAULT 0 NOT NULL,
	`err_server` integer DEFAULT 0 NOT NULL,
	`err_config` integer DEFAULT 0 NOT NULL,
	`auth_failures` integer DEFAULT 0 NOT NULL,
	`gone` integer DEFAULT 0 NOT NULL,
	`dlv_accepted` integer DEFAULT 0 NOT NULL,
	`dlv_rejected` integer DEFAULT 0 NOT NULL,
	`dlv_failed` integer DEFAULT 0 NOT NULL,
	`ack_expired` integer DEFAULT 0 NOT NULL,
	`dead_letters` integer DEFAULT 0 NOT NULL,
	`latency_sum` real DEFAULT 0 NOT NULL,
	`latency_max` integer DEFAULT 0 NOT NULL,
	`lat_0` integer DEFAULT 0 NOT NULL,
	`lat_1` integer DEFAULT 0 NOT NULL,
	`lat_2` integer DEFAULT 0 NOT NULL,
	`lat_3` integer DEFAULT 0 NOT NULL,
	`lat_4` integer DEFAULT 0 NOT NULL,
	`lat_5` integer DEFAULT 0 NOT NULL,
	`lat_6` integer DEFAULT 0 NOT NULL,
	`lat_7` integer DEFAULT 0 NOT NULL,
	`lat_8` integer DEFAULT 0 NOT NULL,
	`lat_9` integer DEFAULT 0 NOT NULL,
	`lat_10` integer DEFAULT 0 NOT NULL,
	`lat_11` integer DEFAULT 0 NOT NULL,
	`lat_12` integer DEFAULT 0 NOT NULL,
	`lat_13` integer DEFAULT 0 NOT NULL,
	`lat_14` integer DEFAULT 0 NOT NULL,
	`lat_15` integer DEFAULT 0 NOT NULL,
	`lat_16` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`grain`, `bucket`, `dim`, `key`)
);
--> statement-breakpoint
ALTER TABLE `alerts` ADD `subject` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `alerts` ADD `severity` text DEFAULT 'warning' NOT NULL;--> statement-breakpoint
ALTER TABLE `alerts` ADD `level` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `alerts` ADD `notified_level` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
ALTER TABLE `alerts` ADD `last_seen_at` text;--> statement-breakpoint
ALTER TABLE `alerts` ADD `acked_at` text;--> statement-breakpoint
ALTER TABLE `alerts` ADD `acked_by` text;--> statement-breakpoint
-- Alerts raised before this migration: the subject is the buyer, at most one stays open per kind and subject (the newest), and they count as shown at level 0 (no burst of old alerts to the new targets).
UPDATE `alerts` SET `subject` = COALESCE(`buyer_id`, ''), `notified_level` = 0;--> statement-breakpoint
UPDATE `alerts` SET `resolved_at` = `created_at` WHERE `resolved_at` IS NULL AND `id` NOT IN (SELECT MAX(`id`) FROM `alerts` WHERE `resolved_at` IS NULL GROUP BY `kind`, `subject`);--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_open_uq` ON `alerts` (`kind`,`subject`) WHERE resolved_at IS NULL;--> statement-breakpoint
CREATE INDEX `alerts_open_idx` ON `alerts` (`created_at`) WHERE resolved_at IS NULL;--> statement-breakpoint
ALTER TABLE `delivery_attempts` ADD `purged_at` text;--> statement-breakpoint
CREATE INDEX `attempts_unpurged_idx` ON `delivery_attempts` (`created_at`) WHERE purged_at IS NULL;--> statement-breakpoint
ALTER TABLE `leads` ADD `purged_at` text;--> statement-breakpoint
CREATE INDEX `leads_unpurged_idx` ON `leads` (`created_at`) WHERE purged_at IS NULL;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `purged_at` text;--> statement-breakpoint
CREATE INDEX `webhook_events_unpurged_idx` ON `webhook_events` (`received_at`) WHERE purged_at IS NULL;