-- The first schema: server settings, tenants, users and their memberships and the
-- server's own TLS material. schema_version is made by store_pg.c.

CREATE TABLE settings (
	name text PRIMARY KEY,
	value bytea NOT NULL
);

CREATE TABLE tenants (
	id text PRIMARY KEY,
	name text NOT NULL UNIQUE,
	created_at bigint NOT NULL
);

CREATE TABLE users (
	id text PRIMARY KEY,
	username text NOT NULL UNIQUE,
	password_hash text NOT NULL,
	disabled bigint NOT NULL DEFAULT 0,
	created_at bigint NOT NULL
);

-- A user's role in a tenant; a user may belong to several tenants.
CREATE TABLE memberships (
	tenant_id text NOT NULL REFERENCES tenants (id),
	user_id text NOT NULL REFERENCES users (id),
	role text NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	created_at bigint NOT NULL,
	PRIMARY KEY (tenant_id, user_id)
);

CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE server_tls (
	slot text PRIMARY KEY,
	cert_der bytea NOT NULL,
	key_sealed bytea NOT NULL,
	not_after bigint NOT NULL
);
