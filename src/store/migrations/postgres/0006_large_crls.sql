-- CRLs of a million entries. A CRL reads every revoked certificate of
-- its CA in serial order, a page at a time: this index holds every
-- column it reads, so that a page is one walk along the index (an
-- index-only scan once vacuum has marked the pages visible) and no
-- visit to the certificates' rows, which their DER makes large and
-- which lie in issuance order. It takes the place of
-- certificates_revoked.
CREATE INDEX certificates_crl ON certificates (ca_id, serial)
	INCLUDE (not_after, revoked_at, revocation_reason, invalidity_date)
	WHERE revoked_at IS NOT NULL;
DROP INDEX certificates_revoked;

-- The signed CRL is kept uncompressed: compressing tens of MB of DER
-- (pglz halves it) costs a second or more at each signing and again at
-- each read, to save a few MB per CA.
ALTER TABLE crls ALTER COLUMN der SET STORAGE EXTERNAL;
