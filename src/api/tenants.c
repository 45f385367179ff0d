#include "api/tenants.h"

#include <string.h>

#include "api/api_json.h"
#include "http/auth.h"

/*
 * Where the page after the cursor starts in list: the index after the
 * tenant the cursor names, 0 without one, or list->n + 1 when the
 * cursor names none of them.
 */
static size_t page_start(const struct store_tenant_list *list,
			 const struct api_page *page)
{
	if (page->after[0] == '\0')
		return 0;
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->items[i].id, page->after) == 0)
			return i + 1;
	return list->n + 1;
}

/*
 * The engine answers every tenant of the caller at once (a user belongs
 * to few); this handler cuts the list into the pages of the API.
 */
void api_tenant_list(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct api_page page;
	struct store_tenant_list list = {0};
	size_t start, end;
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (accounts_tenant_list(req->app->store, &who, &list, &err) !=
	    ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	start = page_start(&list, &page);
	if (start > list.n) {
		http_respond_problem_field(resp, 400, "cursor",
					   "query argument \"cursor\" names a "
					   "tenant you no longer belong to; "
					   "leave it out to start again");
		store_tenant_list_free(&list);
		return;
	}
	end = list.n - start > page.limit ? start + page.limit : list.n;
	items = json_array();
	for (size_t i = start; items != NULL && i < end; i++)
		if (json_array_append_new(
			items, api_json_tenant(&list.items[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items,
			 end<list.n, end> start ? list.items[end - 1].id
						: NULL);
	store_tenant_list_free(&list);
}
