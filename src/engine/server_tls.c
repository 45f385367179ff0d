#include "engine/server_tls.h"

#include <limits.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "engine/accounts_common.h"
#include "engine/csr.h"
#include "engine/templates.h"
#include "lib/clock.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/rand.h"

#define AAD_SERVER	    "tls/server"
#define BOOTSTRAP_ROOT_DAYS 3650
#define TLS_NAMES_MAX	    32
/* Rounds of reading back after losing a race with another node. */
#define RACE_ROUNDS 3

struct pair {
	EVP_PKEY *key;
	X509 *cert;
	int64_t not_after;
};

static void pair_clear(struct pair *p)
{
	EVP_PKEY_free(p->key);
	X509_free(p->cert);
	memset(p, 0, sizeof(*p));
}

/* PEM of a certificate or a private key as a new string. */
static char *pem_string(X509 *cert, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long len;
	int ok;

	if (bio == NULL)
		return NULL;
	ok = cert != NULL ? PEM_write_bio_X509(bio, cert)
			  : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
						     NULL, NULL);
	len = BIO_get_mem_data(bio, &data);
	if (ok && len > 0 && (out = malloc((size_t)len + 1)) != NULL) {
		memcpy(out, data, (size_t)len);
		out[len] = '\0';
	}
	BIO_free(bio);
	return out;
}

/* Seals pair's key and stores the pair in slot. */
static enum store_result pair_put(struct store *st, const struct kek *kek,
				  const char *slot, const char *aad,
				  const struct pair *p, int64_t expect)
{
	struct store_tls row = {0};
	char *key_pem = pem_string(NULL, p->key);
	unsigned char *der = NULL;
	int der_len = i2d_X509(p->cert, &der);
	enum store_result rc = STORE_ERROR;

	if (key_pem != NULL && der_len > 0 &&
	    kek_seal(kek, aad, (const uint8_t *)key_pem, strlen(key_pem),
		     &row.key_sealed, &row.key_len) == 0) {
		row.cert_der = der;
		row.cert_len = (size_t)der_len;
		row.not_after = p->not_after;
		rc = store_tls_put(st, slot, &row, expect);
	}
	if (key_pem != NULL)
		OPENSSL_clear_free(key_pem, strlen(key_pem));
	OPENSSL_free(der);
	free(row.key_sealed);
	return rc;
}

/* Reads slot and opens its key. STORE_ERROR when it does not open. */
static enum store_result pair_get(struct store *st, const struct kek *kek,
				  const char *slot, const char *aad,
				  struct pair *p)
{
	struct store_tls row = {0};
	const unsigned char *der;
	uint8_t *pem = NULL;
	size_t pem_len = 0;
	enum store_result rc = store_tls_get(st, slot, &row);
	BIO *bio;

	if (rc != STORE_OK)
		return rc;
	rc = STORE_ERROR;
	der = row.cert_der;
	p->cert = d2i_X509(NULL, &der, (long)row.cert_len);
	if (p->cert == NULL || kek_open(kek, aad, row.key_sealed, row.key_len,
					&pem, &pem_len) != 0) {
		log_event(LOG_ERROR, "tls.load",
			  "slot=%s error=\"stored TLS material does not open "
			  "under this key-encryption key\"",
			  slot);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	p->key =
	    bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	p->not_after = row.not_after;
	if (p->key != NULL)
		rc = STORE_OK;
out:
	if (rc != STORE_OK)
		pair_clear(p);
	OPENSSL_clear_free(pem, pem_len);
	store_tls_free(&row);
	return rc;
}

/* The id of the system tenant, made when missing. */
static int system_tenant(struct store *st, int64_t now,
			 char id[RAND_ID_LEN + 1])
{
	struct engine_error err = {0};
	struct store_tenant t;
	enum store_result rc =
	    store_tenant_get_by_name(st, SERVER_TLS_TENANT, &t);

	if (rc == STORE_NOT_FOUND &&
	    accounts_tenant_create(st, SERVER_TLS_TENANT, now, &t, &err) ==
		ENGINE_OK)
		rc = STORE_OK;
	else if (rc == STORE_NOT_FOUND && err.code == ENGINE_CONFLICT)
		rc = store_tenant_get_by_name(st, SERVER_TLS_TENANT, &t);
	if (rc != STORE_OK) {
		log_event(LOG_ERROR, "tls.tenant",
			  "error=\"the system tenant cannot be made: %s\"",
			  err.detail);
		return -1;
	}
	snprintf(id, RAND_ID_LEN + 1, "%s", t.id);
	store_tenant_free(&t);
	return 0;
}

/* The system tenant's CA named SERVER_TLS_CA into out; 0, or -1 when
 * there is none. */
static int bootstrap_find(const struct ca_context *ctx,
			  const struct principal *who, struct store_ca *out)
{
	struct store_ca_list list;
	int found = -1;

	if (store_ca_list(ctx->st, who->tenant_id, NULL, STORE_LIST_MAX,
			  &list) != STORE_OK)
		return -1;
	for (size_t i = 0; i < list.n && found != 0; i++)
		if (strcmp(list.items[i].name, SERVER_TLS_CA) == 0 &&
		    strcmp(list.items[i].status, "active") == 0) {
			*out = list.items[i];
			memset(&list.items[i], 0, sizeof(list.items[i]));
			found = 0;
		}
	store_ca_list_free(&list);
	return found;
}

/* The bootstrap CA, made first when the system tenant has none. */
static int bootstrap_ca(const struct ca_context *ctx,
			const struct principal *who, int64_t now,
			struct store_ca *out)
{
	char cn[64], id[9];
	struct ca_create in = {.name = SERVER_TLS_CA,
			       .description = "issues the HTTPS certificate",
			       .kind = "root",
			       .key_type = "ecdsa-p256",
			       .subject = {.cn = cn},
			       .validity_days = BOOTSTRAP_ROOT_DAYS,
			       .path_length = 0};
	struct engine_error err = {0};

	if (bootstrap_find(ctx, who, out) == 0)
		return 0;
	if (rand_id(id, 8) != 0)
		return -1;
	snprintf(cn, sizeof(cn), "pkiaas bootstrap root %s", id);
	if (ca_create(ctx, who, &in, now, out, &err) == ENGINE_OK) {
		log_event(LOG_INFO, "tls.root_created", "ca=%s", out->id);
		return 0;
	}
	/* Another node may have made it at the same moment. */
	if (err.code == ENGINE_CONFLICT && bootstrap_find(ctx, who, out) == 0)
		return 0;
	log_event(LOG_ERROR, "tls.root", "error=\"%s\"", err.detail);
	return -1;
}

static int name_is_ip(const char *name)
{
	unsigned char ip[16];

	return inet_pton(AF_INET, name, ip) == 1 ||
	       inet_pton(AF_INET6, name, ip) == 1;
}

/* "DNS:name" or "IP:address" for each name, as SANs. */
static GENERAL_NAMES *names_sans(const char *const *names, size_t n)
{
	char text[TLS_NAMES_MAX][300];
	const char *parts[TLS_NAMES_MAX];
	struct engine_error err = {0};

	if (n == 0 || n > TLS_NAMES_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		snprintf(text[i], sizeof(text[i]), "%s:%s",
			 name_is_ip(names[i]) ? "IP" : "DNS", names[i]);
		parts[i] = text[i];
	}
	return csr_sans_from_text(parts, n, "tls_names", &err);
}

/* The settings of the CA's "Web Server" template, or the starter's. */
static char *server_template(const struct ca_context *ctx,
			     const struct principal *who, const char *ca_id,
			     struct template_settings *tpl)
{
	struct store_template_list list;
	char *id = NULL;

	if (store_template_list(ctx->st, who->tenant_id, ca_id, NULL,
				STORE_LIST_MAX, &list) == STORE_OK) {
		for (size_t i = 0; i < list.n && id == NULL; i++)
			if (strcmp(list.items[i].name, "Web Server") == 0 &&
			    templates_settings(&list.items[i], tpl, NULL) ==
				ENGINE_OK)
				id = strdup(list.items[i].id);
		store_template_list_free(&list);
	}
	if (id == NULL)
		template_starter("web-server", tpl);
	tpl->validity_days = SERVER_TLS_DAYS;
	tpl->enabled = 1;
	return id;
}

/* A new key and HTTPS certificate from the bootstrap CA. */
static int server_issue(const struct ca_context *ctx,
			const struct principal *who, const struct store_ca *ca,
			const char *const *names, size_t n_names, int64_t now,
			struct pair *server)
{
	struct issue_signer signer;
	struct template_settings tpl = {0};
	struct store_audit a =
	    accounts_audit(who, "certificate.issue", "certificate", NULL, now);
	struct issue_record rec = {.tenant_id = who->tenant_id, .audit = &a};
	struct issue_input in = {0};
	struct store_certificate stored = {0};
	struct engine_error err = {0};
	GENERAL_NAMES *sans = names_sans(names, n_names);
	X509_NAME *subject = X509_NAME_new();
	char *template_id = NULL;
	int rc = -1;

	if (sans == NULL || subject == NULL ||
	    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
				       (const unsigned char *)names[0], -1, -1,
				       0) != 1 ||
	    ca_signer_open(ctx, ca, &signer, &err) != ENGINE_OK)
		goto out;
	template_id = server_template(ctx, who, ca->id, &tpl);
	server->key = EVP_EC_gen("P-256");
	in.public_key = server->key;
	in.subject = subject;
	in.sans = sans;
	rec.template_id = template_id;
	a.detail = "HTTPS certificate";
	if (server->key != NULL &&
	    engine_issue(ctx->st, &signer, &tpl, &in, &rec, now, &server->cert,
			 &stored, &err) == ENGINE_OK) {
		server->not_after = stored.not_after;
		rc = 0;
	}
	ca_signer_clear(&signer);
out:
	if (rc != 0)
		log_event(LOG_ERROR, "tls.issue",
			  "error=\"the HTTPS certificate cannot be issued: "
			  "%s\"",
			  err.detail[0] != '\0' ? err.detail : "bad tls_names");
	store_certificate_free(&stored);
	template_settings_clear(&tpl);
	free(template_id);
	GENERAL_NAMES_free(sans);
	X509_NAME_free(subject);
	return rc;
}

int server_tls_current(X509 *cert, const char *const *names, size_t n_names,
		       int64_t now, int64_t renew_seconds)
{
	time_t t = (time_t)now, renew_at = (time_t)(now + renew_seconds);

	if (X509_cmp_time(X509_get0_notBefore(cert), &t) > 0 ||
	    X509_cmp_time(X509_get0_notAfter(cert), &renew_at) <= 0)
		return 0;
	for (size_t i = 0; i < n_names; i++) {
		if (name_is_ip(names[i])
			? X509_check_ip_asc(cert, names[i], 0) != 1
			: X509_check_host(cert, names[i], 0,
					  X509_CHECK_FLAG_NO_WILDCARDS,
					  NULL) != 1)
			return 0;
	}
	return 1;
}

/*
 * The stored HTTPS certificate when it is usable, else a new one; of
 * several nodes renewing at once, the first to store wins.
 */
static int server_ensure(const struct ca_context *ctx,
			 const struct principal *who, const struct store_ca *ca,
			 X509 *root, const char *const *names, size_t n_names,
			 int64_t now, struct pair *server)
{
	for (int round = 0; round < RACE_ROUNDS; round++) {
		enum store_result rc =
		    pair_get(ctx->st, ctx->kek, "server", AAD_SERVER, server);
		int64_t expect = rc == STORE_OK ? server->not_after : 0;

		if (rc != STORE_OK && rc != STORE_NOT_FOUND)
			return -1;
		if (rc == STORE_OK &&
		    X509_check_issued(root, server->cert) == X509_V_OK &&
		    server_tls_current(server->cert, names, n_names, now,
				       (int64_t)SERVER_TLS_RENEW_DAYS *
					   CLOCK_DAY))
			return 0;
		pair_clear(server);
		if (server_issue(ctx, who, ca, names, n_names, now, server) !=
		    0)
			return -1;
		rc = pair_put(ctx->st, ctx->kek, "server", AAD_SERVER, server,
			      expect);
		if (rc == STORE_OK) {
			log_event(LOG_INFO, "tls.server_issued",
				  "not_after=%lld",
				  (long long)server->not_after);
			return 0;
		}
		pair_clear(server);
		if (rc != STORE_CONFLICT)
			return -1;
	}
	return -1;
}

/* DATA_DIR/tls/root.pem, rewritten only when it differs. */
static int root_publish(const char *data_dir, const char *root_pem)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	char *old = NULL;
	size_t old_len;
	int same;

	snprintf(dir, sizeof(dir), "%s/tls", data_dir);
	snprintf(path, sizeof(path), "%s/root.pem", dir);
	same = fs_read_all(path, 65536, &old, &old_len) == 0 &&
	       strcmp(old, root_pem) == 0;
	free(old);
	if (same)
		return 0;
	if (fs_mkdir_p(dir, 0755) != 0 ||
	    fs_write_atomic(path, root_pem, strlen(root_pem), 0644) != 0) {
		log_event(LOG_ERROR, "tls.root_write", "path=%s error=%m",
			  path);
		return -1;
	}
	return 0;
}

int server_tls_ensure(const struct ca_context *ctx, const char *data_dir,
		      const char *const *names, size_t n_names, int64_t now,
		      struct server_tls *out)
{
	char tenant[RAND_ID_LEN + 1];
	struct principal who;
	struct store_ca ca = {0};
	struct pair server = {0};
	const unsigned char *der;
	X509 *root = NULL;
	char *server_pem = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (system_tenant(ctx->st, now, tenant) != 0)
		return -1;
	accounts_local_principal(&who, tenant);
	if (bootstrap_ca(ctx, &who, now, &ca) != 0)
		goto out;
	der = ca.cert_der;
	root = d2i_X509(NULL, &der, (long)ca.cert_len);
	if (root == NULL || server_ensure(ctx, &who, &ca, root, names, n_names,
					  now, &server) != 0)
		goto out;
	out->root_pem = pem_string(root, NULL);
	server_pem = pem_string(server.cert, NULL);
	out->key_pem = pem_string(NULL, server.key);
	out->not_after = server.not_after;
	if (out->root_pem == NULL || server_pem == NULL ||
	    out->key_pem == NULL ||
	    asprintf(&out->chain_pem, "%s%s", server_pem, out->root_pem) < 0) {
		out->chain_pem = NULL;
		goto out;
	}
	rc = root_publish(data_dir, out->root_pem);
out:
	if (rc != 0)
		server_tls_free(out);
	free(server_pem);
	X509_free(root);
	store_ca_free(&ca);
	pair_clear(&server);
	return rc;
}

void server_tls_free(struct server_tls *tls)
{
	if (tls == NULL)
		return;
	free(tls->chain_pem);
	free(tls->root_pem);
	if (tls->key_pem != NULL)
		OPENSSL_clear_free(tls->key_pem, strlen(tls->key_pem));
	memset(tls, 0, sizeof(*tls));
}
