CREATE TABLE `terminal_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`owner_id` text NOT NULL,
	`user_id` text NOT NULL,
	`shell` text NOT NULL,
	`cols` integer NOT NULL,
	`rows` integer NOT NULL,
	`started_at` text NOT NULL,
	`ended_at` text,
	`end_reason` text,
	`exit_code` integer,
	`recorded` integer NOT NULL,
	`recording_bytes` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `terminal_sessions_instance_idx` ON `terminal_sessions` (`instance_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `terminal_sessions_owner_idx` ON `terminal_sessions` (`owner_id`);