/*
 * version.h: the project's version string, one definition for every
 * module that names it (the CLI's --version, the native engine's
 * tool_version stored with each run).
 */
#ifndef MPL_VERSION_H
#define MPL_VERSION_H

const char *mpl_version(void);

#endif
