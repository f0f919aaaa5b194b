-- Shared terminal sessions (issue 28): who a session's user invited in, to watch or to drive.
CREATE TABLE `terminal_participants` (
	`session_id` text NOT NULL,
	`user_id` text NOT NULL,
	`mode` text NOT NULL,
	`invited_by` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`session_id`, `user_id`),
	FOREIGN KEY (`session_id`) REFERENCES `terminal_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `terminal_participants_user_idx` ON `terminal_participants` (`user_id`);