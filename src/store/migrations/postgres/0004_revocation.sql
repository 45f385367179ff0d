-- Revocation status as relying parties see it: a version per CA that
-- every change of revocation state bumps in its own transaction, the
-- CRL last signed for each CA with its number, the OCSP responses signed
-- for unchanged status, and each CA's delegated OCSP signing key. Every
-- node reads these, so all serve the same CRL and the same status.

CREATE TABLE revocation_versions (
	ca_id text PRIMARY KEY REFERENCES cas (id),
	version bigint NOT NULL
);

-- One row per CA: the newest CRL number claimed, the revocation version
-- and window it was claimed for, and the CRL once signed (NULL while
-- the node that claimed it is signing).
CREATE TABLE crls (
	ca_id text PRIMARY KEY REFERENCES cas (id),
	crl_number bigint NOT NULL,
	version bigint NOT NULL,
	this_update bigint NOT NULL,
	next_update bigint NOT NULL,
	der bytea
);

-- A signed response per certificate and CertID hash, valid while its
-- version is the CA's revocation version and next_update lies ahead.
CREATE TABLE ocsp_responses (
	ca_id text NOT NULL REFERENCES cas (id),
	serial text NOT NULL,
	hash text NOT NULL,
	version bigint NOT NULL,
	this_update bigint NOT NULL,
	next_update bigint NOT NULL,
	der bytea NOT NULL,
	PRIMARY KEY (ca_id, serial, hash)
);

-- The delegated OCSP signer: its certificate is one of the CA's issued
-- certificates; its key is sealed by the key-encryption key, aad
-- "ocsp/CA-ID".
CREATE TABLE ocsp_signers (
	ca_id text PRIMARY KEY REFERENCES cas (id),
	certificate_id text NOT NULL REFERENCES certificates (id),
	key_sealed bytea NOT NULL,
	created_at bigint NOT NULL
);

-- The CRL lists a CA's revoked certificates in serial order.
CREATE INDEX certificates_revoked ON certificates (ca_id, serial)
	WHERE revoked_at IS NOT NULL;
