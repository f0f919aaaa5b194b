-- The script library (issue 27): a user's scripts and every version of each (a change is a new version, the old ones kept).
CREATE TABLE `scripts` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scripts_owner_name_idx` ON `scripts` (`owner_id`,`name`);--> statement-breakpoint
CREATE TABLE `script_versions` (
	`script_id` text NOT NULL,
	`version` integer NOT NULL,
	`interpreter` text NOT NULL,
	`body` text NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`script_id`, `version`),
	FOREIGN KEY (`script_id`) REFERENCES `scripts`(`id`) ON UPDATE no action ON DELETE cascade
);
