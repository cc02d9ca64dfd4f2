CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`buyer_id` text,
	`message` text NOT NULL,
	`created_at` text NOT NULL,
	`resolved_at` text
);
--> statement-breakpoint
CREATE INDEX `alerts_time_idx` ON `alerts` (`created_at`);--> statement-breakpoint
CREATE TABLE `buyer_overrides` (
	`buyer_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `conversions` (
	`id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`source_id` text NOT NULL,
	`revenue` real DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversions_lead_buyer_uq` ON `conversions` (`lead_id`,`buyer_id`);--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `delivery_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`endpoint` text NOT NULL,
	`request_masked` text NOT NULL,
	`request_encrypted` text,
	`key_id` text,
	`status_code` integer,
	`response_body` text,
	`outcome` text NOT NULL,
	`error_class` text,
	`reason` text,
	`buyer_lead_id` text,
	`price` real,
	`elapsed_ms` integer NOT NULL,
	`retry_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attempts_lead_idx` ON `delivery_attempts` (`lead_id`);--> statement-breakpoint
CREATE INDEX `attempts_buyer_time_idx` ON `delivery_attempts` (`buyer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `attempts_time_idx` ON `delivery_attempts` (`created_at`);--> statement-breakpoint
CREATE TABLE `feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`source_id` text NOT NULL,
	`kind` text NOT NULL,
	`score_delta` real NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `lead_buyers` (
	`lead_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`buyer_lead_id` text,
	`price` real,
	`reason` text,
	`error_class` text,
	`round` integer DEFAULT 0 NOT NULL,
	`ack_expires_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lead_buyers_pk` ON `lead_buyers` (`lead_id`,`buyer_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `lead_buyers_delivery_uq` ON `lead_buyers` (`delivery_id`);--> statement-breakpoint
CREATE INDEX `lead_buyers_buyer_lead_idx` ON `lead_buyers` (`buyer_id`,`buyer_lead_id`);--> statement-breakpoint
CREATE INDEX `lead_buyers_pending_idx` ON `lead_buyers` (`state`,`ack_expires_at`);--> statement-breakpoint
CREATE TABLE `lead_events` (
	`id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`type` text NOT NULL,
	`buyer_id` text,
	`data` text DEFAULT '{}' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `lead_events_lead_idx` ON `lead_events` (`lead_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `leads` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`external_id` text,
	`idempotency_key` text,
	`vertical` text NOT NULL,
	`status` text NOT NULL,
	`data` text NOT NULL,
	`raw` text NOT NULL,
	`test` integer DEFAULT false NOT NULL,
	`mode` text DEFAULT 'async' NOT NULL,
	`sold_buyer_id` text,
	`sold_price` real,
	`buyer_lead_id` text,
	`outcome_reasons` text DEFAULT '[]' NOT NULL,
	`expires_at` text NOT NULL,
	`lease_owner` text,
	`lease_until` text,
	`next_attempt_at` text,
	`rounds` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`finalized_at` text,
	`returned_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `leads_source_external_uq` ON `leads` (`source_id`,`external_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `leads_source_idem_uq` ON `leads` (`source_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `leads_status_idx` ON `leads` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `leads_next_attempt_idx` ON `leads` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `returns` (
	`id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`source_id` text NOT NULL,
	`reason_code` text NOT NULL,
	`credit` real NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `returns_lead_buyer_uq` ON `returns` (`lead_id`,`buyer_id`);--> statement-breakpoint
CREATE TABLE `sources` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`excluded_buyers` text DEFAULT '[]' NOT NULL,
	`webhook_url` text,
	`webhook_secret` text,
	`quality_score` real DEFAULT 100 NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sources_key_hash_uq` ON `sources` (`key_hash`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`buyer_id` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`received_at` text NOT NULL,
	`processed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_uq` ON `webhook_events` (`buyer_id`,`event_id`);