-- Shares offered to an email without an account yet (issue 19): they grant nothing until that email signs in.
CREATE TABLE `pending_shares` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`grantee_email_normalized` text NOT NULL,
	`instance_id` text,
	`permissions` text NOT NULL,
	`enabled` integer NOT NULL,
	`expires_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pending_shares_email_idx` ON `pending_shares` (`grantee_email_normalized`);--> statement-breakpoint
CREATE INDEX `pending_shares_owner_idx` ON `pending_shares` (`owner_id`);
