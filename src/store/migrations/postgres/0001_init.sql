-- The first schema: server settings, tenants, their users and the
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
	tenant_id text NOT NULL REFERENCES tenants (id),
	username text NOT NULL UNIQUE,
	password_hash text NOT NULL,
	role text NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	created_at bigint NOT NULL
);

CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE server_tls (
	slot text PRIMARY KEY,
	cert_der bytea NOT NULL,
	key_sealed bytea NOT NULL,
	not_after bigint NOT NULL
);
