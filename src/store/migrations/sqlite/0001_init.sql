-- The first schema: server settings, tenants, their users and the
-- server's own TLS material. schema_version is made by store_sqlite.c.

CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;

CREATE TABLE tenants (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	username TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE server_tls (
	slot TEXT PRIMARY KEY,
	cert_der BLOB NOT NULL,
	key_sealed BLOB NOT NULL,
	not_after INTEGER NOT NULL
) STRICT;
