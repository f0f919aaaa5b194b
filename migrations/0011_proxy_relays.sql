-- Sockets (relay objects) an instance's proxy traffic spreads over, from its agent's config (proxy.relays).
ALTER TABLE `instances` ADD `proxy_relays` integer DEFAULT 1 NOT NULL;
