#include "api/certificates.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "engine/certificate.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/clock.h"

#define CERT_TEXT_MAX	1024  /* bytes of a reason */
#define CERT_SERIAL_MAX 128   /* hex digits of a serial, colons left out */
#define CERT_DAYS_MAX	36500 /* expiring_within_days */

static const struct json_field revoke_fields[] = {
    {"reason", JSON_FIELD_STRING, 0, CERT_TEXT_MAX},
    {"invalidity_date", JSON_FIELD_INTEGER, 0, 0},
};

/* One download format: its name, media type and file name suffix. */
struct download_format {
	const char *name;
	enum certificate_format format;
	const char *content_type;
	const char *suffix;
};

static const struct download_format formats[] = {
    {"pem", CERT_PEM, "application/x-pem-file", ".pem"},
    {"der", CERT_DER, "application/pkix-cert", ".cer"},
    {"pem-chain", CERT_PEM_CHAIN, "application/x-pem-file", "-chain.pem"},
    {"pkcs7", CERT_PKCS7, "application/pkcs7-mime", ".p7b"},
};

/*
 * The serial argument as the store keeps serials: lowercase hex, colons
 * left out. 0, or -1 after filling resp with a 400.
 */
static int serial_read(const char *s, char *out, size_t n,
		       struct http_response *resp)
{
	size_t o = 0;

	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if (!isxdigit((unsigned char)*s) || o + 1 >= n) {
			http_respond_problem_field(
			    resp, 400, "serial",
			    "query argument \"serial\" must be at most %d hex "
			    "digits, colons allowed",
			    CERT_SERIAL_MAX);
			return -1;
		}
		out[o++] = (char)tolower((unsigned char)*s);
	}
	out[o] = '\0';
	return 0;
}

/* The list's filter from the query; 0, or -1 after filling resp. */
static int filter_read(const struct http_request *req, int64_t now,
		       struct store_certificate_filter *f, char *serial,
		       size_t serial_size, struct http_response *resp)
{
	const char *s = http_request_query(req, "serial");
	int64_t days = -1;

	memset(f, 0, sizeof(*f));
	f->status = http_request_query(req, "status");
	f->ca_id = http_request_query(req, "ca_id");
	f->template_id = http_request_query(req, "template_id");
	f->text = http_request_query(req, "q");
	f->now = now;
	if (s != NULL) {
		if (serial_read(s, serial, serial_size, resp) != 0)
			return -1;
		f->serial = serial;
	}
	if (api_query_int(req, "expiring_within_days", &days, resp) != 0)
		return -1;
	if (days > CERT_DAYS_MAX) {
		http_respond_problem_field(resp, 400, "expiring_within_days",
					   "query argument "
					   "\"expiring_within_days\" must be "
					   "at most %d",
					   CERT_DAYS_MAX);
		return -1;
	}
	if (days >= 0)
		f->expiring_before = now + days * CLOCK_DAY;
	return 0;
}

void api_certificate_list(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_certificate_list list = {0};
	struct store_certificate_filter f;
	char serial[CERT_SERIAL_MAX + 1];
	struct engine_error err;
	struct principal who;
	struct api_page page;
	int64_t now = clock_now();
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0 ||
	    filter_read(req, now, &f, serial, sizeof(serial), resp) != 0)
		return;
	if (certificate_list(&ctx, &who, &f, page.after[0] ? page.after : NULL,
			     page.limit, &list, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < list.n; i++)
		if (json_array_append_new(
			items, api_json_certificate(&list.items[i], now, 0)) !=
		    0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items, list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_certificate_list_free(&list);
}

/* Answers the certificate id as it is now; a 200. */
static void certificate_respond(const struct ca_context *ctx,
				const struct principal *who, const char *id,
				struct http_response *resp)
{
	struct store_certificate c;
	struct engine_error err;

	if (certificate_get(ctx, who, id, &c, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, api_json_certificate(&c, clock_now(), 1));
	store_certificate_free(&c);
}

void api_certificate_get(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct principal who;

	if (http_auth(req, &who, resp) == 0)
		certificate_respond(&ctx, &who, req->params[0], resp);
}

/* The format named by ?format= (pem when absent); NULL after a 400. */
static const struct download_format *format_read(const struct http_request *req,
						 struct http_response *resp)
{
	const char *s = http_request_query(req, "format");

	if (s == NULL)
		return &formats[0];
	for (size_t i = 0; i < API_N(formats); i++)
		if (strcmp(formats[i].name, s) == 0)
			return &formats[i];
	http_respond_problem_field(resp, 400, "format",
				   "query argument \"format\" is pem, der, "
				   "pem-chain or pkcs7");
	return NULL;
}

void api_certificate_download(struct http_request *req,
			      struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	const struct download_format *fmt;
	struct engine_error err;
	struct principal who;
	char disposition[96];
	uint8_t *data = NULL;
	char *body;
	size_t len = 0;

	if (http_auth(req, &who, resp) != 0 ||
	    (fmt = format_read(req, resp)) == NULL)
		return;
	if (certificate_download(&ctx, &who, req->params[0], fmt->format, &data,
				 &len, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	body = malloc(len + 1);
	if (body == NULL) {
		free(data);
		http_respond_problem(resp, 500, "out of memory");
		return;
	}
	memcpy(body, data, len);
	body[len] = '\0';
	free(data);
	snprintf(disposition, sizeof(disposition),
		 "attachment; filename=\"%s%s\"", req->params[0], fmt->suffix);
	http_respond(resp, 200, fmt->content_type, body, len);
	http_header_add(resp, "Content-Disposition", disposition);
}

void api_certificate_revoke(struct http_request *req,
			    struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, revoke_fields, API_N(revoke_fields), resp);
	if (body == NULL)
		return;
	if (certificate_revoke(&ctx, &who, req->params[0],
			       api_body_string(body, "reason"),
			       api_body_time(body, "invalidity_date"),
			       clock_now(), &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		certificate_respond(&ctx, &who, req->params[0], resp);
	json_decref(body);
}

void api_certificate_release(struct http_request *req,
			     struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, NULL, 0, resp);
	if (body == NULL)
		return;
	if (certificate_release(&ctx, &who, req->params[0], clock_now(),
				&err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		certificate_respond(&ctx, &who, req->params[0], resp);
	json_decref(body);
}
