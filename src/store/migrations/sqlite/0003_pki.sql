-- The PKI: certificate authorities, templates, requests and the
-- certificates issued. Private keys are sealed by the key-encryption key
-- before they reach this table.

CREATE TABLE cas (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	name TEXT NOT NULL,
	description TEXT,
	kind TEXT NOT NULL CHECK (kind IN ('root', 'intermediate')),
	status TEXT NOT NULL CHECK (status IN ('active', 'pending')),
	key_type TEXT NOT NULL,
	key_sealed BLOB NOT NULL,
	cert_der BLOB,
	csr_der BLOB,
	chain_pem TEXT,
	subject TEXT NOT NULL,
	serial TEXT,
	not_before INTEGER,
	not_after INTEGER,
	settings TEXT NOT NULL,
	parent_id TEXT REFERENCES cas (id),
	created_at INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
) STRICT;

-- A template's options are one JSON document that the engine parses and
-- checks (docs/templates.md); the store keeps it whole.
CREATE TABLE templates (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	ca_id TEXT NOT NULL REFERENCES cas (id),
	name TEXT NOT NULL,
	settings TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (ca_id, name)
) STRICT;

CREATE INDEX templates_tenant ON templates (tenant_id, id);

CREATE TABLE certificates (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	ca_id TEXT NOT NULL REFERENCES cas (id),
	template_id TEXT REFERENCES templates (id),
	request_id TEXT,
	serial TEXT NOT NULL,
	subject TEXT NOT NULL,
	sans TEXT NOT NULL,
	key_type TEXT NOT NULL,
	not_before INTEGER NOT NULL,
	not_after INTEGER NOT NULL,
	der BLOB NOT NULL,
	revoked_at INTEGER,
	revocation_reason TEXT,
	invalidity_date INTEGER,
	created_at INTEGER NOT NULL,
	UNIQUE (ca_id, serial)
) STRICT;

CREATE INDEX certificates_tenant ON certificates (tenant_id, id);
CREATE INDEX certificates_expiry ON certificates (tenant_id, not_after);
-- Deleting a template finds its certificates by these.
CREATE INDEX certificates_template ON certificates (template_id);

CREATE TABLE requests (
	id TEXT PRIMARY KEY,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	template_id TEXT NOT NULL REFERENCES templates (id),
	status TEXT NOT NULL
		CHECK (status IN ('pending', 'issued', 'declined', 'preapproved')),
	csr_der BLOB,
	subject TEXT,
	overrides TEXT,
	claim_hash TEXT UNIQUE,
	requested_by TEXT,
	created_at INTEGER NOT NULL,
	decided_at INTEGER,
	decided_by TEXT,
	decline_reason TEXT,
	certificate_id TEXT REFERENCES certificates (id)
) STRICT;

CREATE INDEX requests_tenant ON requests (tenant_id, id);
-- Deleting a template or a certificate finds its requests by these.
CREATE INDEX requests_template ON requests (template_id);
CREATE INDEX requests_certificate ON requests (certificate_id);
