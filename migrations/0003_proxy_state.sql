ALTER TABLE `instances` ADD `proxy_inactive` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `instances` ADD `proxy_reason` text;