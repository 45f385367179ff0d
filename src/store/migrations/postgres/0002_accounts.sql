-- Accounts: login sessions, API tokens, invitations, login throttling
-- and the hash-chained audit log.

-- A session is found by the SHA-256 of its cookie, never the cookie.
CREATE TABLE sessions (
	id_hash text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	user_id text NOT NULL REFERENCES users (id),
	csrf text NOT NULL,
	created_at bigint NOT NULL,
	last_seen_at bigint NOT NULL,
	expires_at bigint NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	user_id text NOT NULL REFERENCES users (id),
	name text NOT NULL,
	role text NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	secret_hash text NOT NULL,
	created_at bigint NOT NULL,
	expires_at bigint,
	last_used_at bigint,
	revoked_at bigint
);

CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, id);

CREATE TABLE invitations (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	role text NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	note text,
	secret_hash text NOT NULL UNIQUE,
	created_by text NOT NULL REFERENCES users (id),
	created_at bigint NOT NULL,
	expires_at bigint NOT NULL,
	accepted_at bigint,
	accepted_by text REFERENCES users (id),
	revoked_at bigint
);

CREATE INDEX invitations_tenant ON invitations (tenant_id, id);

-- Failed logins in the current window, by "user:NAME" or "addr:IP".
CREATE TABLE login_failures (
	key text PRIMARY KEY,
	window_start bigint NOT NULL,
	failures bigint NOT NULL
);

-- Append-only: each row's hash covers its fields and the previous hash.
CREATE TABLE audit_log (
	seq bigint PRIMARY KEY,
	id text NOT NULL UNIQUE,
	tenant_id text,
	at bigint NOT NULL,
	actor_id text,
	actor_name text,
	action text NOT NULL,
	object_type text,
	object_id text,
	address text,
	outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
	detail text,
	prev_hash text NOT NULL,
	hash text NOT NULL
);

CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
