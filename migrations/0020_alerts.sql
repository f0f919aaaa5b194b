-- Alerts (issue 27): what the owner configured (the live state is in each alert's AlertDO), the instances a list target names, and the history.
CREATE TABLE `alert_history` (
	`id` text PRIMARY KEY NOT NULL,
	`alert_id` text NOT NULL,
	`owner_id` text NOT NULL,
	`at` text NOT NULL,
	`kind` text NOT NULL,
	`instance_id` text,
	`instance_name` text,
	`event_id` text,
	`channel` text,
	`attempt` integer,
	`detail` text,
	FOREIGN KEY (`alert_id`) REFERENCES `alerts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_history_alert_idx` ON `alert_history` (`alert_id`,`at`);--> statement-breakpoint
CREATE TABLE `alert_instances` (
	`alert_id` text NOT NULL,
	`instance_id` text NOT NULL,
	PRIMARY KEY(`alert_id`, `instance_id`),
	FOREIGN KEY (`alert_id`) REFERENCES `alerts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_instances_instance_idx` ON `alert_instances` (`instance_id`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`target_tag` text,
	`condition_kind` text NOT NULL,
	`condition` text NOT NULL,
	`channels` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alerts_owner_idx` ON `alerts` (`owner_id`);--> statement-breakpoint
CREATE INDEX `alerts_target_tag_idx` ON `alerts` (`target_tag`);