-- The first schema: server settings, tenants, users and their memberships and the
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
	username TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
) STRICT;

-- A user's role in a tenant; a user may belong to several tenants.
CREATE TABLE memberships (
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	user_id TEXT NOT NULL REFERENCES users (id),
	role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, user_id)
) STRICT;

CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE server_tls (
	slot TEXT PRIMARY KEY,
	cert_der BLOB NOT NULL,
	key_sealed BLOB NOT NULL,
	not_after INTEGER NOT NULL
) STRICT;
