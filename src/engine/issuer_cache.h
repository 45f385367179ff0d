/*
 * CAs opened for signing and templates' parsed settings, kept between
 * requests so that an issuance neither unseals the CA key nor parses the
 * template again. An entry is handed out only while the row the caller
 * has just read from the store still holds what the entry was made from
 * (the CA's status, certificate, sealed key and settings; the template's
 * settings), so a change made on any node is seen by the next request.
 * Thread-safe; entries are counted, so one replaced while in use lives
 * until its last user lets it go.
 */
#ifndef PKIAAS_ISSUER_CACHE_H
#define PKIAAS_ISSUER_CACHE_H

#include "engine/ca.h"
#include "engine/template.h"

struct issuer_cache;
struct cached_signer;
struct cached_template;

struct issuer_cache *issuer_cache_new(void);
/* No entry may be held any more. Accepts NULL. */
void issuer_cache_free(struct issuer_cache *c);

/*
 * The opened signer of ca (a row just read), from cache (NULL: opened
 * for this caller alone). *held is released with issuer_signer_release.
 * Fails as ca_signer_open does.
 */
enum engine_result issuer_cache_signer(struct issuer_cache *cache,
				       const struct ca_context *ctx,
				       const struct store_ca *ca,
				       struct cached_signer **held,
				       struct engine_error *err);
const struct issue_signer *issuer_signer(const struct cached_signer *s);
void issuer_signer_release(struct cached_signer *s);

/* The parsed settings of template t (a row just read); as above. */
enum engine_result issuer_cache_template(struct issuer_cache *cache,
					 const struct store_template *t,
					 struct cached_template **held,
					 struct engine_error *err);
const struct template_settings *
issuer_template(const struct cached_template *t);
void issuer_template_release(struct cached_template *t);

#endif
