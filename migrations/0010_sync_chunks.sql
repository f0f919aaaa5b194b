-- Sync's chunks in R2 (chunks/<owner_id>/<sha256>): when a transfer last uploaded or reused each,
-- so the hourly collector deletes those unused for the retention period (SYNC_CHUNK_RETENTION_DAYS).
-- No foreign key to users: a deleted user's rows are how the collector finds their chunks to delete.
CREATE TABLE `sync_chunks` (
	`owner_id` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	`last_used_at` text NOT NULL,
	PRIMARY KEY(`owner_id`, `sha256`)
);
--> statement-breakpoint
CREATE INDEX `sync_chunks_last_used_idx` ON `sync_chunks` (`last_used_at`);
