-- Accounts: login sessions, API tokens, invitations, login throttling
-- and the hash-chained audit log.

-- A session is found by the SHA-256 of its cookie, never the cookie.
CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	user_id TEXT NOT NULL REFERENCES users (id),
	csrf TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	user_id TEXT NOT NULL REFERENCES users (id),
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	secret_hash TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	last_used_at INTEGER,
	revoked_at INTEGER
) STRICT;

CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, id);

CREATE TABLE invitations (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	note TEXT,
	secret_hash TEXT NOT NULL UNIQUE,
	created_by TEXT NOT NULL REFERENCES users (id),
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	accepted_at INTEGER,
	accepted_by TEXT REFERENCES users (id),
	revoked_at INTEGER
) STRICT;

CREATE INDEX invitations_tenant ON invitations (tenant_id, id);

-- Failed logins in the current window, by "user:NAME" or "addr:IP".
CREATE TABLE login_failures (
	key TEXT PRIMARY KEY,
	window_start INTEGER NOT NULL,
	failures INTEGER NOT NULL
) STRICT;

-- Append-only: each row's hash covers its fields and the previous hash.
CREATE TABLE audit_log (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	tenant_id TEXT,
	at INTEGER NOT NULL,
	actor_id TEXT,
	actor_name TEXT,
	action TEXT NOT NULL,
	object_type TEXT,
	object_id TEXT,
	address TEXT,
	outcome TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
	detail TEXT,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
