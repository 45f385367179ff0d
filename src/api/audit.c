#include "api/audit.h"

#include "api/api_json.h"
#include "http/auth.h"

/*
 * The filters of GET /api/v1/audit from the query string. 0, or -1
 * after filling resp with a 400 naming the argument.
 */
static int audit_filter_parse(const struct http_request *req,
			      struct store_audit_filter *f,
			      struct http_response *resp)
{
	f->action = http_request_query(req, "action");
	f->actor_name = http_request_query(req, "actor");
	f->object_id = http_request_query(req, "object_id");
	f->outcome = http_request_query(req, "outcome");
	if (api_query_int(req, "since", &f->since, resp) != 0 ||
	    api_query_int(req, "until", &f->until, resp) != 0)
		return -1;
	return 0;
}

void api_audit_list(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct api_page page;
	struct store_audit_filter f = {0};
	struct store_audit_list list = {0};
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse_seq(req, &page, resp) != 0 ||
	    audit_filter_parse(req, &f, resp) != 0)
		return;
	f.before_seq = page.before_seq;
	if (accounts_audit_list(req->app->store, &who, &f, page.limit, &list,
				&err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < list.n; i++)
		if (json_array_append_new(
			items, api_json_audit(&list.items[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond_seq(resp, items, list.has_more,
			     list.n > 0 ? list.items[list.n - 1].seq : 0);
	store_audit_list_free(&list);
}

void api_audit_get(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct store_audit_entry e;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (accounts_audit_get(req->app->store, &who, req->params[0], &e,
			       &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, api_json_audit(&e));
	store_audit_entry_free(&e);
}
