-- ACME (RFC 8555). A policy ties a tenant's template to the accounts
-- bound through its external account bindings (EABs), and lists the
-- domains it authorises without a challenge. An order is one JSON
-- document with its authorisations and challenges, rewritten whole
-- under a version check; the validation workers of every node find the
-- orders that wait for them by next_check_at and take one with a lease.

CREATE TABLE acme_policies (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	ca_id TEXT NOT NULL REFERENCES cas (id),
	template_id TEXT NOT NULL REFERENCES templates (id),
	name TEXT NOT NULL,
	domains TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
) STRICT;

-- The HMAC key is sealed by the key-encryption key, aad "eab/ID".
CREATE TABLE acme_eabs (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	policy_id TEXT NOT NULL REFERENCES acme_policies (id),
	name TEXT NOT NULL,
	key_sealed BLOB NOT NULL,
	uses_allowed INTEGER NOT NULL,
	uses INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (policy_id, name)
) STRICT;

-- An account stays bound to its policy when its EAB is deleted.
CREATE TABLE acme_accounts (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	policy_id TEXT NOT NULL REFERENCES acme_policies (id),
	eab_id TEXT NOT NULL,
	thumbprint TEXT NOT NULL UNIQUE,
	jwk TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('valid', 'deactivated')),
	contact TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX acme_accounts_policy ON acme_accounts (policy_id, id);

-- Nonces are made without the store (they carry their own MAC and
-- expiry); each one used is kept here until it expires, so that a
-- second use fails on every node.
CREATE TABLE acme_nonces_used (
	nonce TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX acme_nonces_expiry ON acme_nonces_used (expires_at);

CREATE TABLE acme_orders (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	account_id TEXT NOT NULL REFERENCES acme_accounts (id),
	status TEXT NOT NULL,
	document TEXT NOT NULL,
	version INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	certificate_id TEXT REFERENCES certificates (id),
	replaces TEXT,
	next_check_at INTEGER,
	lease_until INTEGER NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX acme_orders_account ON acme_orders (account_id, id);
CREATE INDEX acme_orders_due ON acme_orders (next_check_at)
	WHERE next_check_at IS NOT NULL;
CREATE UNIQUE INDEX acme_orders_certificate ON acme_orders (certificate_id);

-- Renewal information and revocation by a presented certificate find
-- it by serial alone.
CREATE INDEX certificates_serial ON certificates (serial);
