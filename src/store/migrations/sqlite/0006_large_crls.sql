-- CRLs of a million entries. A CRL reads every revoked certificate of
-- its CA in serial order, a page at a time: this index holds every
-- column it reads, so that a page is one walk along the index and no
-- visit to the certificates' rows, which their DER makes large and
-- which lie in issuance order (for a million entries, a fraction of a
-- second rather than seconds). It takes the place of
-- certificates_revoked.
CREATE INDEX certificates_crl ON certificates (ca_id, serial, not_after,
	revoked_at, revocation_reason, invalidity_date)
	WHERE revoked_at IS NOT NULL;
DROP INDEX certificates_revoked;
