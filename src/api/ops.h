/* Operations endpoints: /healthz, /readyz, /metrics, and the front page. */
#ifndef PKIAAS_API_OPS_H
#define PKIAAS_API_OPS_H

#include "http/http.h"

/* 200 while the process serves. */
void ops_healthz(struct http_request *req, struct http_response *resp);
/* 200 when the store answers, 503 otherwise. */
void ops_readyz(struct http_request *req, struct http_response *resp);
/* Prometheus text format. */
void ops_metrics(struct http_request *req, struct http_response *resp);
/* The page at /, until the console lands. */
void ops_index(struct http_request *req, struct http_response *resp);

#endif
