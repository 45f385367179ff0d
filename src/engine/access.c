#include "engine/access.h"

#include <string.h>

static const struct {
	const char *name;
	unsigned permissions;
} roles[] = {
    {"admin", ACCESS_READ | ACCESS_OPERATE | ACCESS_ADMIN | ACCESS_AUDIT},
    {"operator", ACCESS_READ | ACCESS_OPERATE},
    {"auditor", ACCESS_READ | ACCESS_AUDIT},
};

unsigned access_role_permissions(const char *role)
{
	for (size_t i = 0; role != NULL && i < sizeof(roles) / sizeof(*roles);
	     i++)
		if (strcmp(roles[i].name, role) == 0)
			return roles[i].permissions;
	return 0;
}

int access_role_valid(const char *role)
{
	return access_role_permissions(role) != 0;
}

int access_role_within(const char *narrower, const char *wider)
{
	unsigned n = access_role_permissions(narrower);

	return n != 0 && (n & ~access_role_permissions(wider)) == 0;
}

static const char *needed_roles(unsigned need)
{
	if (need & ACCESS_ADMIN)
		return "admin";
	if ((need & ACCESS_AUDIT) && (need & ACCESS_OPERATE))
		return "admin";
	if (need & ACCESS_AUDIT)
		return "admin or auditor";
	if (need & ACCESS_OPERATE)
		return "admin or operator";
	return "any";
}

enum engine_result access_require(const struct principal *who, unsigned need,
				  struct engine_error *err)
{
	if ((who->permissions & need) == need)
		return ENGINE_OK;
	return engine_fail(err, ENGINE_FORBIDDEN, NULL,
			   "the role %s may not do this; it takes the role %s",
			   who->role, needed_roles(need));
}
