CREATE TABLE `used_proxy_handoffs` (
	`jti` text PRIMARY KEY NOT NULL,
	`expires_at` text NOT NULL
);
