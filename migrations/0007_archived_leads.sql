CREATE TABLE `archived_leads` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`day` text NOT NULL,
	`shard` integer NOT NULL,
	`source_id` text NOT NULL,
	`lead_updated_at` text NOT NULL,
	`archived_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archived_leads_day_key_idx` ON `archived_leads` (`day`,`key`);