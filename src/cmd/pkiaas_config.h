/*
 * The pkiaas client's configuration folder (mode 0700): config.json (mode
 * 0600) with the server, the token and the root to trust, and ca.pem.
 */
#ifndef PKIAAS_PKIAAS_CONFIG_H
#define PKIAAS_PKIAAS_CONFIG_H

#include <stddef.h>

/* What config.json holds; NULL where unset. */
struct cli_config {
	char *dir;    /* the folder */
	char *server; /* the server's URL */
	char *token;  /* the API token */
	char *cacert; /* the root certificate file to trust */
};

/*
 * Finds the folder ($PKIAAS_CONFIG_DIR, $XDG_CONFIG_HOME/pkiaas or
 * ~/.config/pkiaas) and reads config.json when there is one. A damaged
 * file is an error, or with replace set only a warning and an empty
 * configuration (for login, which rewrites it). 0, or an exit code
 * (printed). Call cli_config_free in any case.
 */
int cli_config_load(struct cli_config *cfg, int replace);
/*
 * Writes config.json atomically with mode 0600, creating the folder with
 * mode 0700. 0, or an exit code (printed).
 */
int cli_config_save(const struct cli_config *cfg);
/*
 * Stores the root certificate pem (len bytes) as ca.pem in the folder
 * and points cfg->cacert at it; with pem NULL, removes ca.pem and clears
 * cfg->cacert. 0, or an exit code (printed).
 */
int cli_config_store_ca(struct cli_config *cfg, const char *pem, size_t len);
/* Replaces *field with a copy of value (NULL clears it); 0 or -1. */
int cli_config_set(char **field, const char *value);
/* Frees what cfg holds, wiping the token. */
void cli_config_free(struct cli_config *cfg);

#endif
