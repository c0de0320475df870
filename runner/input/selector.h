/*
 * selector: the selection syntax shared by export, runs and (later)
 * compare, turned into a struct results_filter.
 *
 *   scenario:NAME        runs of that scenario
 *   kernel:RELEASE       runs on that kernel release (uname -r)
 *   boot:MODE            bare-metal | qemu-kvm | qemu-tcg | vm:<hypervisor>
 *   host:HOSTNAME        runs on that host
 *   status:ok            ok | failed | skipped | invalid
 *   variant:KEY=VALUE    runs whose variant has that value (repeatable)
 *   tag:KEY=VALUE        runs tagged so (repeatable)
 *   run:UUID             that run (repeatable)
 *   since:DATE, until:DATE   started at or after / before DATE
 *                        (YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS, UTC)
 *
 * Several selectors narrow the selection together (AND); several items of
 * one form do too, except run:, which adds runs (OR). Several selectors
 * can be given as separate arguments or in one joined by ','.
 */
#ifndef MPL_SELECTOR_H
#define MPL_SELECTOR_H

#include "diag.h"
#include "results.h"

struct selector {
	struct results_filter filter;
	char **owned; /* strings the filter points into */
	size_t n_owned;
};

/* Add one argument (one selector or several joined by ',') to sel.
 * Returns 0, or -EINVAL with the reason in d, or -ENOMEM. */
int selector_add(struct selector *sel, const char *arg, struct diag *d);
void selector_release(struct selector *sel);

/* "2026-11-01" or "2026-11-01T06:30:00" (UTC) to µs since the epoch. */
int selector_parse_date(const char *s, uint64_t *us);

#endif
