CREATE TABLE `routing_stats` (
	`buyer_id` text NOT NULL,
	`vertical` text NOT NULL,
	`day` text NOT NULL,
	`offered` integer DEFAULT 0 NOT NULL,
	`accepted` integer DEFAULT 0 NOT NULL,
	`rejected` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`revenue` real DEFAULT 0 NOT NULL,
	`returned` integer DEFAULT 0 NOT NULL,
	`credit` real DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`buyer_id`, `vertical`, `day`)
);
--> statement-breakpoint
CREATE INDEX `routing_stats_vertical_day_idx` ON `routing_stats` (`vertical`,`day`);--> statement-breakpoint
CREATE TABLE `routing_turns` (
	`pool` text NOT NULL,
	`buyer_id` text NOT NULL,
	`turn` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`pool`, `buyer_id`)
);
