-- Instance tags (issue 27): the owner's (source api) and the agent config's (source config), for runs, schedules, alerts and filters.
CREATE TABLE `instance_tags` (
	`instance_id` text NOT NULL,
	`tag` text NOT NULL,
	`source` text NOT NULL,
	PRIMARY KEY(`instance_id`, `tag`, `source`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `instance_tags_tag_idx` ON `instance_tags` (`tag`);