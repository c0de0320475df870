/*
 * hosts.c: the labs present on this host, found through the registry and
 * the "mpl-" namespace names, and their removal: by name (`topo down`), or
 * every stale one (`cleanup --stale`). Only names that carry the lab's
 * prefix are ever touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab_int.h"

struct names {
	char **v;
	unsigned n;
};

static void names_release(struct names *ns)
{
	for (unsigned i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

/* Whether namespace "mpl-LAB-NODE" belongs to lab LAB. */
static bool netns_of_lab(const char *netns, const char *lab)
{
	size_t pl = strlen(LAB_NETNS_PREFIX), ll = strlen(lab);

	return !strncmp(netns, LAB_NETNS_PREFIX, pl) && !strncmp(netns + pl, lab, ll) &&
	       netns[pl + ll] == '-';
}

static int delete_lab_netns(const char *lab, const struct names *all, struct diag *d)
{
	const char **mine = calloc(all->n + 1, sizeof(*mine));
	unsigned n = 0;
	int r;

	if (!mine)
		return diag_set(d, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < all->n; i++)
		if (netns_of_lab(all->v[i], lab))
			mine[n++] = all->v[i];
	r = lab_netns_delete_set(mine, n, d);
	free(mine);
	return r;
}

int lab_destroy(const char *name, struct diag *d)
{
	struct lab_registry_entry e;
	struct names all = { 0 };
	bool registered, found = false;
	int r;

	if (!lab_name_valid(name))
		return diag_set(d, -EINVAL, "invalid lab name '%s'", name);
	registered = lab_registry_read(name, &e) == 0;
	r = lab_netns_list(LAB_NETNS_PREFIX, &all.v, &all.n);
	if (r < 0)
		return diag_set(d, r, "cannot list '%s': %s", LAB_NETNS_DIR, strerror(-r));
	for (unsigned i = 0; i < all.n; i++)
		found |= netns_of_lab(all.v[i], name);
	if (!registered && !found) {
		names_release(&all);
		return diag_set(d, -ENOENT, "no lab named '%s'", name);
	}
	r = delete_lab_netns(name, &all, d);
	names_release(&all);
	if (r < 0)
		return r;
	r = lab_registry_remove(name);
	if (r < 0)
		return diag_set(d, r, "cannot remove the registry entry of lab '%s': %s", name,
				strerror(-r));
	return 0;
}

/* The lab a namespace belongs to: the longest registered name that
 * prefixes it, else everything up to the last '-' (node names of the
 * shipped topologies hold no '-', and an orphan is removed either way). */
static void lab_of_netns(const char *netns, const struct lab_registry_entry *regs, unsigned n,
			 char *out, size_t size)
{
	const char *rest = netns + strlen(LAB_NETNS_PREFIX);
	size_t best = 0;
	const char *dash;

	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(regs[i].name);

		if (l > best && netns_of_lab(netns, regs[i].name)) {
			best = l;
			snprintf(out, size, "%s", regs[i].name);
		}
	}
	if (best)
		return;
	dash = strrchr(rest, '-');
	snprintf(out, size, "%.*s", dash ? (int)(dash - rest) : (int)strlen(rest), rest);
}

int lab_list(struct lab_info **infos, unsigned *n, struct diag *d)
{
	struct lab_registry_entry *regs = NULL;
	unsigned n_regs = 0;
	struct names all = { 0 };
	struct lab_info *out = NULL;
	unsigned n_out = 0;
	int r;

	*infos = NULL;
	*n = 0;
	r = lab_registry_list(&regs, &n_regs);
	if (r < 0)
		return diag_set(d, r, "cannot read '%s': %s", LAB_RUN_DIR, strerror(-r));
	r = lab_netns_list(LAB_NETNS_PREFIX, &all.v, &all.n);
	if (r < 0) {
		free(regs);
		return diag_set(d, r, "cannot list '%s': %s", LAB_NETNS_DIR, strerror(-r));
	}
	out = calloc(n_regs + all.n + 1, sizeof(*out));
	if (!out) {
		r = diag_set(d, -ENOMEM, "out of memory");
		goto done;
	}
	for (unsigned i = 0; i < n_regs; i++) {
		struct lab_info *li = &out[n_out++];

		snprintf(li->name, sizeof(li->name), "%s", regs[i].name);
		li->owner = regs[i].owner;
		li->owner_alive = lab_registry_owner_alive(&regs[i]);
		li->persistent = regs[i].persistent;
	}
	for (unsigned i = 0; i < all.n; i++) {
		char lab[LAB_NAME_MAX];
		struct lab_info *li = NULL;
		const char *node;

		lab_of_netns(all.v[i], regs, n_regs, lab, sizeof(lab));
		for (unsigned k = 0; k < n_out && !li; k++)
			if (!strcmp(out[k].name, lab))
				li = &out[k];
		if (!li) { /* an orphan: namespaces without a registry entry */
			li = &out[n_out++];
			snprintf(li->name, sizeof(li->name), "%s", lab);
		}
		li->n_netns++;
		node = all.v[i] + strlen(LAB_NETNS_PREFIX) + strlen(li->name) + 1;
		if (li->n_nodes < LAB_MAX_NODES)
			snprintf(li->nodes[li->n_nodes++], LAB_NAME_MAX, "%s", node);
	}
	*infos = out;
	*n = n_out;
	out = NULL;
	r = 0;
done:
	free(out);
	free(regs);
	names_release(&all);
	return r;
}

/* Remove the labs that are not in use and that keep() selects. */
static int cleanup_where(bool (*keep)(const struct lab_info *li, void *arg), void *arg,
			 char ***removed, unsigned *n_removed, struct diag *d)
{
	struct lab_info *labs = NULL;
	unsigned n = 0;
	int r, first = 0;

	*removed = NULL;
	*n_removed = 0;
	r = lab_list(&labs, &n, d);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < n; i++) {
		char **g;

		/* Alive owners are still using their lab; persistent labs
		 * were kept on purpose ("topo up"). */
		if (labs[i].owner_alive || labs[i].persistent)
			continue;
		if (!lab_name_valid(labs[i].name) || !keep(&labs[i], arg))
			continue;
		r = lab_destroy(labs[i].name, d);
		if (r < 0) {
			if (!first)
				first = r;
			continue;
		}
		g = realloc(*removed, (*n_removed + 1) * sizeof(*g));
		if (!g)
			break;
		*removed = g;
		g[*n_removed] = strdup(labs[i].name);
		if (g[*n_removed])
			(*n_removed)++;
	}
	free(labs);
	return first;
}

static bool any_lab(const struct lab_info *li, void *arg)
{
	(void)li;
	(void)arg;
	return true;
}

int lab_cleanup_stale(char ***removed, unsigned *n_removed, struct diag *d)
{
	return cleanup_where(any_lab, NULL, removed, n_removed, d);
}

static bool owned_by(const struct lab_info *li, void *arg)
{
	return li->owner == *(const pid_t *)arg;
}

int lab_cleanup_owner(pid_t owner, char ***removed, unsigned *n_removed, struct diag *d)
{
	return cleanup_where(owned_by, &owner, removed, n_removed, d);
}
