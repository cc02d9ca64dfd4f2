DROP INDEX `leads_status_idx`;--> statement-breakpoint
CREATE INDEX `leads_status_created_idx` ON `leads` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `leads_status_lease_idx` ON `leads` (`status`,`lease_until`);--> statement-breakpoint
CREATE INDEX `leads_created_idx` ON `leads` (`created_at`);--> statement-breakpoint
CREATE INDEX `leads_source_created_idx` ON `leads` (`source_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `leads_status_finalized_idx` ON `leads` (`status`,`finalized_at`);--> statement-breakpoint
CREATE INDEX `alerts_kind_buyer_idx` ON `alerts` (`kind`,`buyer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `conversions_time_idx` ON `conversions` (`created_at`);--> statement-breakpoint
CREATE INDEX `conversions_source_time_idx` ON `conversions` (`source_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `dead_letters_time_idx` ON `dead_letters` (`created_at`);--> statement-breakpoint
CREATE INDEX `returns_time_idx` ON `returns` (`created_at`);--> statement-breakpoint
CREATE INDEX `returns_source_time_idx` ON `returns` (`source_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `webhook_events_status_received_idx` ON `webhook_events` (`status`,`received_at`);