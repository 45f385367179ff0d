-- The PKI: certificate authorities, templates, requests and the
-- certificates issued. Private keys are sealed by the key-encryption key
-- before they reach this table.

CREATE TABLE cas (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	name text NOT NULL,
	description text,
	kind text NOT NULL CHECK (kind IN ('root', 'intermediate')),
	status text NOT NULL CHECK (status IN ('active', 'pending')),
	key_type text NOT NULL,
	key_sealed bytea NOT NULL,
	cert_der bytea,
	csr_der bytea,
	chain_pem text,
	subject text NOT NULL,
	serial text,
	not_before bigint,
	not_after bigint,
	settings text NOT NULL,
	parent_id text REFERENCES cas (id),
	created_at bigint NOT NULL,
	UNIQUE (tenant_id, name)
);

-- A template's options are one JSON document that the engine parses and
-- checks (docs/templates.md); the store keeps it whole.
CREATE TABLE templates (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	ca_id text NOT NULL REFERENCES cas (id),
	name text NOT NULL,
	settings text NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	UNIQUE (ca_id, name)
);

CREATE INDEX templates_tenant ON templates (tenant_id, id);

CREATE TABLE certificates (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	ca_id text NOT NULL REFERENCES cas (id),
	template_id text REFERENCES templates (id),
	request_id text,
	serial text NOT NULL,
	subject text NOT NULL,
	sans text NOT NULL,
	key_type text NOT NULL,
	not_before bigint NOT NULL,
	not_after bigint NOT NULL,
	der bytea NOT NULL,
	revoked_at bigint,
	revocation_reason text,
	invalidity_date bigint,
	created_at bigint NOT NULL,
	UNIQUE (ca_id, serial)
);

CREATE INDEX certificates_tenant ON certificates (tenant_id, id);
CREATE INDEX certificates_expiry ON certificates (tenant_id, not_after);
-- Deleting a template finds its certificates by these.
CREATE INDEX certificates_template ON certificates (template_id);

CREATE TABLE requests (
	id text PRIMARY KEY,
	tenant_id text NOT NULL REFERENCES tenants (id),
	template_id text NOT NULL REFERENCES templates (id),
	status text NOT NULL
		CHECK (status IN ('pending', 'issued', 'declined', 'preapproved')),
	csr_der bytea,
	subject text,
	overrides text,
	claim_hash text UNIQUE,
	requested_by text,
	created_at bigint NOT NULL,
	decided_at bigint,
	decided_by text,
	decline_reason text,
	certificate_id text REFERENCES certificates (id)
);

CREATE INDEX requests_tenant ON requests (tenant_id, id);
-- Deleting a template or a certificate finds its requests by these.
CREATE INDEX requests_template ON requests (template_id);
CREATE INDEX requests_certificate ON requests (certificate_id);
