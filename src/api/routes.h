/* What each port serves. */
#ifndef PKIAAS_API_ROUTES_H
#define PKIAAS_API_ROUTES_H

#include "http/router.h"

/* Console, API, ACME and operations. */
struct router *routes_https(void);
/* OCSP, CRL, AIA and SCEP for relying parties. */
struct router *routes_http(void);

#endif
