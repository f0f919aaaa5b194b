CREATE TABLE `active_mirrors` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`direction` text NOT NULL,
	`name` text NOT NULL,
	`source_instance_id` text NOT NULL,
	`source_path` text NOT NULL,
	`destination_instance_id` text NOT NULL,
	`target_path` text NOT NULL,
	`exclude` text NOT NULL,
	`delete_files` integer DEFAULT false NOT NULL,
	`interval_seconds` integer NOT NULL,
	`auto_sync` integer DEFAULT false NOT NULL,
	`state` text NOT NULL,
	`last_check_at` text,
	`last_sync_at` text,
	`last_summary` text,
	`last_error` text,
	`last_error_at` text,
	`last_operation_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`destination_instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `active_mirrors_source_idx` ON `active_mirrors` (`source_instance_id`);--> statement-breakpoint
CREATE INDEX `active_mirrors_destination_idx` ON `active_mirrors` (`destination_instance_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `active_mirrors_pair_unique` ON `active_mirrors` (`source_instance_id`,`source_path`,`destination_instance_id`,`target_path`);
