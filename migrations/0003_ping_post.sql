CREATE TABLE `bids` (
	`id` text PRIMARY KEY NOT NULL,
	`ping_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`kind` text NOT NULL,
	`outcome` text NOT NULL,
	`price` real,
	`buyer_bid_id` text,
	`expires_at` text,
	`latency_ms` integer NOT NULL,
	`reason` text,
	`offer` real,
	`post_state` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bids_ping_buyer_uq` ON `bids` (`ping_id`,`buyer_id`);--> statement-breakpoint
CREATE INDEX `bids_buyer_time_idx` ON `bids` (`buyer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `bids_time_idx` ON `bids` (`created_at`);--> statement-breakpoint
CREATE TABLE `lead_hashes` (
	`lead_id` text NOT NULL,
	`vertical` text NOT NULL,
	`kind` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`lead_id`, `kind`)
);
--> statement-breakpoint
CREATE INDEX `lead_hashes_lookup_idx` ON `lead_hashes` (`vertical`,`kind`,`hash`,`created_at`);--> statement-breakpoint
CREATE TABLE `pings` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`lead_id` text,
	`vertical` text NOT NULL,
	`origin` text NOT NULL,
	`round` integer DEFAULT 0 NOT NULL,
	`mode` text NOT NULL,
	`max_buyers` integer DEFAULT 1 NOT NULL,
	`data` text DEFAULT '{}' NOT NULL,
	`status` text NOT NULL,
	`chosen_bids` text,
	`offer` real,
	`deadline_ms` integer NOT NULL,
	`elapsed_ms` integer NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	`posted_at` text
);
--> statement-breakpoint
CREATE INDEX `pings_lead_idx` ON `pings` (`lead_id`,`round`);--> statement-breakpoint
CREATE INDEX `pings_time_idx` ON `pings` (`created_at`);--> statement-breakpoint
CREATE INDEX `pings_source_time_idx` ON `pings` (`source_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `sales` (
	`lead_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`source_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`ping_id` text,
	`bid_id` text,
	`buyer_bid_id` text,
	`price` real NOT NULL,
	`payout` real,
	`test` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`lead_id`, `buyer_id`)
);
--> statement-breakpoint
CREATE INDEX `sales_time_idx` ON `sales` (`created_at`);--> statement-breakpoint
CREATE INDEX `sales_source_time_idx` ON `sales` (`source_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `sales_buyer_time_idx` ON `sales` (`buyer_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `sources` ADD `sale_terms` text;