-- ACME (RFC 8555). A policy ties a tenant's template to the accounts
-- bound through its external account bindings (EABs), and lists the
-- domains it authorises without a challenge. An order is one JSON
-- document with its authorisations and challenges, rewritten whole
-- under a version check; the validation workers of every node find the
-- orders that wait for them by next_check_at and take one with a lease.

CREATE TABLE acme_policies (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	ca_id text NOT NULL REFERENCES cas (id),
	template_id text NOT NULL REFERENCES templates (id),
	name text NOT NULL,
	domains text NOT NULL,
	created_at bigint NOT NULL,
	UNIQUE (tenant_id, name)
);

-- The HMAC key is sealed by the key-encryption key, aad "eab/ID".
CREATE TABLE acme_eabs (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	policy_id text NOT NULL REFERENCES acme_policies (id),
	name text NOT NULL,
	key_sealed bytea NOT NULL,
	uses_allowed bigint NOT NULL,
	uses bigint NOT NULL,
	expires_at bigint NOT NULL,
	created_at bigint NOT NULL,
	UNIQUE (policy_id, name)
);

-- An account stays bound to its policy when its EAB is deleted.
CREATE TABLE acme_accounts (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	policy_id text NOT NULL REFERENCES acme_policies (id),
	eab_id text NOT NULL,
	thumbprint text NOT NULL UNIQUE,
	jwk text NOT NULL,
	status text NOT NULL CHECK (status IN ('valid', 'deactivated')),
	contact text NOT NULL,
	created_at bigint NOT NULL
);

CREATE INDEX acme_accounts_policy ON acme_accounts (policy_id, id);

-- Nonces are made without the store (they carry their own MAC and
-- expiry); each one used is kept here until it expires, so that a
-- second use fails on every node.
CREATE TABLE acme_nonces_used (
	nonce text PRIMARY KEY,
	expires_at bigint NOT NULL
);

CREATE INDEX acme_nonces_expiry ON acme_nonces_used (expires_at);

CREATE TABLE acme_orders (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	account_id text NOT NULL REFERENCES acme_accounts (id),
	status text NOT NULL,
	document text NOT NULL,
	version bigint NOT NULL,
	expires_at bigint NOT NULL,
	certificate_id text REFERENCES certificates (id),
	replaces text,
	next_check_at bigint,
	lease_until bigint NOT NULL,
	created_at bigint NOT NULL
);

CREATE INDEX acme_orders_account ON acme_orders (account_id, id);
CREATE INDEX acme_orders_due ON acme_orders (next_check_at)
	WHERE next_check_at IS NOT NULL;
CREATE UNIQUE INDEX acme_orders_certificate ON acme_orders (certificate_id);

-- Renewal information and revocation by a presented certificate find
-- it by serial alone.
CREATE INDEX certificates_serial ON certificates (serial);
