CREATE TABLE `proxy_hostnames` (
	`hostname` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`owner_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `proxy_hostnames_instance_idx` ON `proxy_hostnames` (`instance_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified_at` text;--> statement-breakpoint
ALTER TABLE `instances` ADD `proxy_rules` text;--> statement-breakpoint
ALTER TABLE `instances` ADD `proxy_access_override` text;--> statement-breakpoint
ALTER TABLE `instances` ADD `proxy_access_config` text;