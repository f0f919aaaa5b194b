-- Fleet runs and schedules (issue 27): the runs index (results live in each run's FleetRunDO) and the schedules their ScheduleDO alarms start.
CREATE TABLE `fleet_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`started_by` text NOT NULL,
	`schedule_id` text,
	`target` text NOT NULL,
	`command` text,
	`script` text,
	`state` text NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`succeeded` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	`ended_at` text,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `fleet_runs_owner_idx` ON `fleet_runs` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `fleet_runs_schedule_idx` ON `fleet_runs` (`schedule_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `fleet_schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`target` text NOT NULL,
	`command` text,
	`script` text,
	`version` integer,
	`cron` text,
	`interval_seconds` integer,
	`enabled` integer NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`concurrency` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`last_run_at` text,
	`last_run_id` text,
	`next_run_at` text,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `fleet_schedules_owner_idx` ON `fleet_schedules` (`owner_id`);