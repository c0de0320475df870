/*
 * variant.c: expand a scenario's axes and apply one variant to a lab spec.
 * Values are applied as sysctls and path-manager settings that lab_up()
 * sets and reads back, so a variant that the kernel silently ignores (old
 * kernels took any scheduler name) fails the run instead of measuring the
 * wrong thing. Availability is checked first against the kernel's own
 * lists, so a missing scheduler is a skip with a reason, not a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "variant.h"

int variant_expand(const struct scenario *s, struct variant **out, size_t *n)
{
	size_t total = 1;
	struct variant *v;

	for (unsigned a = 0; a < s->n_axes; a++)
		total *= s->axes[a].n_values ? s->axes[a].n_values : 1;
	v = calloc(total, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		size_t rest = i;
		unsigned order[SCENARIO_MAX_AXES];
		size_t len = 0;

		/* The last axis varies fastest: cc=a sched=x, cc=a sched=y, ... */
		for (int a = (int)s->n_axes - 1; a >= 0; a--) {
			const struct scenario_axis *ax = &s->axes[a];
			unsigned k = (unsigned)(rest % ax->n_values);

			rest /= ax->n_values;
			snprintf(v[i].kv[a].axis, sizeof(v[i].kv[a].axis), "%s", ax->name);
			snprintf(v[i].kv[a].value, sizeof(v[i].kv[a].value), "%s", ax->values[k]);
		}
		v[i].n = s->n_axes;
		/* The key lists axes sorted by name, so it does not depend
		 * on the order of the scenario file. */
		for (unsigned a = 0; a < v[i].n; a++)
			order[a] = a;
		for (unsigned a = 1; a < v[i].n; a++)
			for (unsigned b = a; b > 0 && strcmp(v[i].kv[order[b - 1]].axis,
							     v[i].kv[order[b]].axis) > 0; b--) {
				unsigned t = order[b];

				order[b] = order[b - 1];
				order[b - 1] = t;
			}
		for (unsigned a = 0; a < v[i].n && len < sizeof(v[i].key); a++)
			len += (size_t)snprintf(v[i].key + len, sizeof(v[i].key) - len, "%s%s=%s",
						a ? "," : "", v[i].kv[order[a]].axis,
						v[i].kv[order[a]].value);
	}
	*out = v;
	*n = total;
	return 0;
}

const char *variant_value(const struct variant *v, const char *axis)
{
	for (unsigned a = 0; a < v->n; a++)
		if (!strcmp(v->kv[a].axis, axis))
			return v->kv[a].value;
	return NULL;
}

int variant_json(const struct variant *v, char *buf, size_t size)
{
	json_t *o = json_object();
	char *s;
	int r = 0;

	if (!o)
		return -ENOMEM;
	for (unsigned a = 0; a < v->n; a++)
		json_object_set_new(o, v->kv[a].axis, json_string(v->kv[a].value));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	if (xsnprintf(buf, size, "%s", s) < 0)
		r = -ENAMETOOLONG;
	free(s);
	return r;
}

/* Whether word is one of the blank-separated words of a /proc/sys list
 * of the root namespace (the lists are the same in every namespace). */
static int in_kernel_list(const char *sysctl_path, const char *word, char *list, size_t size)
{
	int fd = open(sysctl_path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t wl = strlen(word);

	if (fd < 0)
		return -errno;
	n = read(fd, list, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	list[n] = '\0';
	if (n > 0 && list[n - 1] == '\n')
		list[n - 1] = '\0';
	for (char *p = list; (p = strstr(p, word)); p += wl)
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\t'))
			return 1;
	return 0;
}

static int add_sysctl(struct lab_spec *spec, const char *node, const char *key, const char *value,
		      char *why, size_t whylen)
{
	struct lab_sysctl_spec *s = NULL;

	for (unsigned i = 0; i < spec->n_sysctls; i++)
		if (!strcmp(spec->sysctls[i].node, node) && !strcmp(spec->sysctls[i].key, key))
			s = &spec->sysctls[i];
	if (!s) {
		if (spec->n_sysctls >= LAB_MAX_SYSCTLS) {
			snprintf(why, whylen, "too many sysctls (at most %d)", LAB_MAX_SYSCTLS);
			return -EINVAL;
		}
		s = &spec->sysctls[spec->n_sysctls++];
	}
	if (xsnprintf(s->node, sizeof(s->node), "%s", node) < 0 ||
	    xsnprintf(s->key, sizeof(s->key), "%s", key) < 0 ||
	    xsnprintf(s->value, sizeof(s->value), "%s", value) < 0) {
		snprintf(why, whylen, "sysctl '%s' or its value '%s' is too long", key, value);
		return -EINVAL;
	}
	return 0;
}

static int on_both(const struct scenario *s, struct lab_spec *spec, const char *key,
		   const char *value, char *why, size_t whylen)
{
	int r = add_sysctl(spec, s->topo.client, key, value, why, whylen);

	return r < 0 ? r : add_sysctl(spec, s->topo.server, key, value, why, whylen);
}

static int set_limit(const struct scenario *s, struct lab_spec *spec, bool subflows,
		     const char *value, char *why, size_t whylen)
{
	const char *nodes[2] = { s->topo.client, s->topo.server };
	char *end;
	unsigned long v = strtoul(value, &end, 10);

	if (*end || !*value || v > 8) {
		snprintf(why, whylen, "MPTCP limit must be 0-8, got '%s'", value);
		return -EINVAL;
	}
	for (int k = 0; k < 2; k++) {
		struct lab_limits_spec *l = NULL;

		for (unsigned i = 0; i < spec->n_limits; i++)
			if (!strcmp(spec->limits[i].node, nodes[k]))
				l = &spec->limits[i];
		if (!l) {
			if (spec->n_limits >= LAB_MAX_NODES)
				return -EINVAL;
			l = &spec->limits[spec->n_limits++];
			memset(l, 0, sizeof(*l));
			snprintf(l->node, sizeof(l->node), "%s", nodes[k]);
			l->subflows = 2; /* the kernel's defaults */
		}
		if (subflows)
			l->subflows = (uint32_t)v;
		else
			l->add_addr_accepted = (uint32_t)v;
	}
	return 0;
}

static int set_endpoint_flags(const struct scenario *s, struct lab_spec *spec, const char *axis,
			      const char *value, char *why, size_t whylen)
{
	char *end;
	unsigned long id = strtoul(axis + strlen("endpoint."), &end, 10);
	uint32_t flags = 0;
	bool found = false;

	if (strcmp(end, ".flags") || id < 1 || id > 255) {
		snprintf(why, whylen, "axis '%s' must be endpoint.<id 1-255>.flags", axis);
		return -EINVAL;
	}
	if (lab_pm_flags_parse(value, &flags) < 0) {
		snprintf(why, whylen, "axis '%s': unknown endpoint flags '%s'", axis, value);
		return -EINVAL;
	}
	for (unsigned i = 0; i < spec->n_endpoints; i++) {
		if (spec->endpoints[i].id != id || strcmp(spec->endpoints[i].node, s->topo.client))
			continue;
		spec->endpoints[i].flags = flags;
		found = true;
	}
	if (!found) {
		snprintf(why, whylen, "axis '%s': the client has no endpoint with id %lu", axis, id);
		return -EINVAL;
	}
	return 0;
}

int variant_apply(const struct variant *v, const struct scenario *s, struct lab_spec *spec,
		  char *why, size_t whylen)
{
	char list[512];
	int r = 0;

	for (unsigned a = 0; a < v->n && r >= 0; a++) {
		const char *axis = v->kv[a].axis, *value = v->kv[a].value;

		if (!strcmp(axis, "scheduler") || !strcmp(axis, "cc") ||
		    !strcmp(axis, "path_manager")) {
			const char *list_path = !strcmp(axis, "scheduler") ?
				"/proc/sys/net/mptcp/available_schedulers" :
				!strcmp(axis, "cc") ? "/proc/sys/net/ipv4/tcp_available_congestion_control" :
				"/proc/sys/net/mptcp/available_path_managers";
			const char *key = !strcmp(axis, "scheduler") ? "net.mptcp.scheduler" :
					  "net.mptcp.path_manager";
			int in = in_kernel_list(list_path, value, list, sizeof(list));

			if (in <= 0) {
				if (in < 0)
					snprintf(why, whylen, "%s '%s' cannot be checked: '%s': %s", axis,
						 value, list_path, strerror(-in));
				else
					snprintf(why, whylen, "%s '%s' is not available (available: %s)",
						 axis, value, list);
				return -EOPNOTSUPP;
			}
			/* The engine sets the congestion control per socket:
			 * a namespace may only default to an algorithm the
			 * host allows (tcp_allowed_congestion_control). */
			if (strcmp(axis, "cc"))
				r = on_both(s, spec, key, value, why, whylen);
		} else if (!strncmp(axis, "sysctl.", 7)) {
			const char *key = axis + 7;

			if (strncmp(key, "net.mptcp.", 10) && strncmp(key, "net.ipv4.tcp_", 13)) {
				snprintf(why, whylen,
					 "axis '%s': only net.mptcp.* and net.ipv4.tcp_* sysctls can be varied",
					 axis);
				return -EINVAL;
			}
			r = on_both(s, spec, key, value, why, whylen);
		} else if (!strcmp(axis, "limits.subflows") || !strcmp(axis, "limits.add_addr_accepted")) {
			r = set_limit(s, spec, !strcmp(axis, "limits.subflows"), value, why, whylen);
		} else if (!strncmp(axis, "endpoint.", 9)) {
			r = set_endpoint_flags(s, spec, axis, value, why, whylen);
		} else if (!strcmp(axis, "bpf_scheduler")) {
			/* struct_ops registration is global to the host; it needs
			 * bpftool and a kernel with BPF MPTCP schedulers (the
			 * mptcp_net-next export branch). */
			snprintf(why, whylen,
				 "bpf_scheduler '%s' needs bpftool and a kernel with bpf_mptcp_sched_ops",
				 value);
			return -EOPNOTSUPP;
		} else {
			snprintf(why, whylen, "unknown variant axis '%s'", axis);
			return -EINVAL;
		}
	}
	return r;
}
