/* version.c: the version string, from the project's CMake version. */
#include "version.h"

const char *mpl_version(void)
{
	return MPL_VERSION;
}
