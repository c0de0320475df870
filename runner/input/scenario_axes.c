/*
 * scenario_axes.c: the "variants" key of a scenario, the axes a run
 * sweeps ({"scheduler": ["default", "redundant"], "limits.subflows": [2, 4]}).
 *
 * Each axis name must be one the runner can apply (scenario.h lists them),
 * each value must be what that setting accepts in form (a kernel name, a
 * limit, endpoint flags), no setting may be varied by two axes, and the
 * product of the axes' sizes is bounded. Values are kept as the strings
 * the runner writes.
 *
 * Part of the walk of scenario.c (struct sctx, scenario_int.h). This file
 * does not expand the variants or apply them (variant.c does, at run time,
 * where a missing scheduler becomes a skip).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jcheck.h"
#include "scenario_int.h"

#define SC_MAX_VARIANTS 256 /* product of the axes' sizes */
#define SC_LIMITS_MAX 8	    /* MPTCP limits, as variant_apply() accepts them */
#define SC_KERNEL_NAME_MAX 16 /* TCP_CA_NAME_MAX, MPTCP_SCHED_NAME_MAX */

enum axis_kind {
	AXIS_KERNEL_NAME, /* scheduler, cc, path_manager */
	AXIS_LIMIT,	  /* limits.* */
	AXIS_ENDPOINT,	  /* endpoint.<id>.flags */
	AXIS_SYSCTL,	  /* sysctl.<key> */
	AXIS_BPF,	  /* bpf_scheduler */
};

#define SC_SYSCTL_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_"

/* The kind of a valid axis name, and for sysctls the sysctl it sets
 * (also for the named axes, to catch one sysctl varied twice). */
static int axis_kind(const char *name, enum axis_kind *kind, const char **sysctl,
		     unsigned *endpoint_id)
{
	static const struct {
		const char *name;
		enum axis_kind kind;
		const char *sysctl;
	} fixed[] = {
		{ "scheduler", AXIS_KERNEL_NAME, "net.mptcp.scheduler" },
		{ "cc", AXIS_KERNEL_NAME, "net.ipv4.tcp_congestion_control" },
		{ "path_manager", AXIS_KERNEL_NAME, "net.mptcp.path_manager" },
		{ "limits.subflows", AXIS_LIMIT, NULL },
		{ "limits.add_addr_accepted", AXIS_LIMIT, NULL },
		{ "bpf_scheduler", AXIS_BPF, NULL },
	};

	*sysctl = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (!strcmp(name, fixed[i].name)) {
			*kind = fixed[i].kind;
			*sysctl = fixed[i].sysctl;
			return 0;
		}
	if (!strncmp(name, "endpoint.", 9)) {
		const char *id = name + 9, *dot = strchr(id, '.');
		char digits[4];
		size_t n = dot ? (size_t)(dot - id) : 0;
		unsigned long v;

		if (!dot || strcmp(dot, ".flags") || n == 0 || n > 3 || id[0] == '0')
			return -EINVAL;
		memcpy(digits, id, n);
		digits[n] = '\0';
		if (!all_of(digits, "0123456789"))
			return -EINVAL;
		v = strtoul(digits, NULL, 10);
		if (v < 1 || v > 255)
			return -EINVAL;
		*kind = AXIS_ENDPOINT;
		*endpoint_id = (unsigned)v;
		return 0;
	}
	if (!strncmp(name, "sysctl.", 7)) {
		const char *key = name + 7;

		if (strlen(key) >= LAB_SYSCTL_KEY_MAX)
			return -EINVAL;
		if (!(strncmp(key, "net.mptcp.", 10) == 0 && all_of(key + 10, SC_SYSCTL_CHARS)) &&
		    !(strncmp(key, "net.ipv4.tcp_", 13) == 0 && all_of(key + 13, SC_SYSCTL_CHARS)))
			return -EINVAL;
		*kind = AXIS_SYSCTL;
		*sysctl = key;
		return 0;
	}
	return -EINVAL;
}

/* One value of an axis, as the string the runner applies. */
static bool axis_value(struct sctx *c, const char *path, json_t *v, enum axis_kind kind,
		       char out[SCENARIO_VALUE_MAX])
{
	char show[JCHECK_SHOW_MAX];
	const char *str;
	uint32_t flags;

	if (json_is_integer(v)) {
		snprintf(out, SCENARIO_VALUE_MAX, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		/* The shortest form that reads back as the same number. */
		snprintf(out, SCENARIO_VALUE_MAX, "%.15g", d);
		if (strtod(out, NULL) != d)
			snprintf(out, SCENARIO_VALUE_MAX, "%.17g", d);
	} else if (json_is_string(v)) {
		str = json_string_value(v);
		if (!*str || strlen(str) >= SCENARIO_VALUE_MAX) {
			jcheck_bad(&c->jc, path,
				   "bad value, expected 1 to %d bytes, got '%s' (%zu bytes)",
				   SCENARIO_VALUE_MAX - 1, jcheck_shown(v, show), strlen(str));
			return false;
		}
		for (const char *q = str; *q; q++)
			if ((unsigned char)*q < ' ' || *q == 0x7f) {
				jcheck_bad(&c->jc, path,
					   "bad value, expected printable characters, got '%s'",
					   jcheck_shown(v, show));
				return false;
			}
		strcpy(out, str);
	} else {
		jcheck_bad_type(&c->jc, path, v, "a string or a number");
		return false;
	}

	switch (kind) {
	case AXIS_KERNEL_NAME:
		if (strlen(out) >= SC_KERNEL_NAME_MAX ||
		    !all_of(out, "abcdefghijklmnopqrstuvwxyz0123456789_-")) {
			jcheck_bad(&c->jc, path,
				   "bad name, expected 1-%d characters of a-z, 0-9, '_' and '-' as the kernel lists them, got '%s'",
				   SC_KERNEL_NAME_MAX - 1, jcheck_shown(v, show));
			return false;
		}
		break;
	case AXIS_LIMIT:
		if (!all_of(out, "0123456789") || strlen(out) > 2 ||
		    strtoul(out, NULL, 10) > SC_LIMITS_MAX) {
			jcheck_bad(&c->jc, path, "out of range, expected an integer from 0 to %d, got '%s'",
				   SC_LIMITS_MAX, jcheck_shown(v, show));
			return false;
		}
		break;
	case AXIS_ENDPOINT:
		if (lab_pm_flags_parse(out, &flags) < 0) {
			jcheck_bad(&c->jc, path,
				   "unknown flags, expected a comma-separated list of signal, subflow, backup, fullmesh, got '%s'",
				   jcheck_shown(v, show));
			return false;
		}
		if ((flags & LAB_PM_FLAG_SIGNAL) && (flags & LAB_PM_FLAG_FULLMESH)) {
			jcheck_bad(&c->jc, path,
				   "signal and fullmesh cannot be combined (the kernel refuses it), got '%s'",
				   jcheck_shown(v, show));
			return false;
		}
		break;
	case AXIS_SYSCTL:
	case AXIS_BPF:
		break;
	}
	return true;
}

static const char *endpoint_ids(const struct topology *t, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < t->spec.n_endpoints && len < size; i++)
		if (!strcmp(t->spec.endpoints[i].node, t->client) && t->spec.endpoints[i].id)
			len += (size_t)snprintf(buf + len, size - len, "%s%u", len ? ", " : "",
						t->spec.endpoints[i].id);
	if (!len)
		snprintf(buf, size, "(none with an id)");
	return buf;
}

void scenario_parse_variants(struct sctx *c, json_t *obj)
{
	struct scenario *s = c->s;
	const char *sysctls[SCENARIO_MAX_AXES] = { NULL };
	const char *names[SCENARIO_MAX_AXES] = { NULL };
	char p[JCHECK_PATH_MAX], vp[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX], list[256];
	const char *name;
	json_t *arr, *v;
	size_t i;
	uint64_t combos = 1;

	if (!jcheck_object(&c->jc, "variants", obj))
		return;
	if (json_object_size(obj) > SCENARIO_MAX_AXES)
		jcheck_bad(&c->jc, "variants", "too many axes, expected at most %d, got %zu",
			   SCENARIO_MAX_AXES, json_object_size(obj));
	json_object_foreach (obj, name, arr) {
		struct scenario_axis *ax;
		enum axis_kind kind;
		const char *sysctl;
		unsigned id = 0;

		jcheck_path_key(p, "variants", name);
		if (strlen(name) >= SCENARIO_AXIS_MAX || axis_kind(name, &kind, &sysctl, &id) < 0) {
			jcheck_bad(&c->jc, p,
				   "unknown variant axis, expected one of: scheduler, cc, path_manager, limits.subflows, limits.add_addr_accepted, endpoint.<1-255>.flags, sysctl.net.mptcp.<key>, sysctl.net.ipv4.tcp_<key>, bpf_scheduler, got '%s'",
				   jcheck_shown_str(name, show));
			continue;
		}
		for (unsigned k = 0; sysctl && k < s->n_axes; k++)
			if (sysctls[k] && !strcmp(sysctls[k], sysctl))
				jcheck_bad(&c->jc, p,
					   "sets '%s' like axis '%s', expected each setting on one axis, got '%s'",
					   sysctl, names[k], jcheck_shown_str(name, show));
		if (kind == AXIS_ENDPOINT && c->topo_ok) {
			bool found = false;

			for (unsigned k = 0; k < s->topo.spec.n_endpoints; k++)
				found |= s->topo.spec.endpoints[k].id == id &&
					 !strcmp(s->topo.spec.endpoints[k].node, s->topo.client);
			if (!found)
				jcheck_bad(&c->jc, p,
					   "no endpoint with id %u on client '%s', expected one of its ids: %s, got '%s'",
					   id, s->topo.client,
					   endpoint_ids(&s->topo, list, sizeof(list)),
					   jcheck_shown_str(name, show));
		}
		if (!jcheck_array(&c->jc, p, arr))
			continue;
		if (json_array_size(arr) == 0 || json_array_size(arr) > SCENARIO_MAX_VALUES) {
			jcheck_bad(&c->jc, p, "expected 1 to %d values, got %zu", SCENARIO_MAX_VALUES,
				   json_array_size(arr));
			continue;
		}
		if (s->n_axes >= SCENARIO_MAX_AXES)
			continue;
		ax = &s->axes[s->n_axes];
		memset(ax, 0, sizeof(*ax));
		strcpy(ax->name, name);
		json_array_foreach (arr, i, v) {
			char *val = ax->values[ax->n_values];

			jcheck_path_idx(vp, p, i);
			if (!axis_value(c, vp, v, kind, val))
				continue;
			for (unsigned k = 0; k < ax->n_values; k++)
				if (!strcmp(ax->values[k], val)) {
					jcheck_bad(&c->jc, vp, "duplicate value, already %s[%u], got '%s'",
						   p, k, jcheck_shown(v, show));
					val = NULL;
					break;
				}
			if (val)
				ax->n_values++;
		}
		if (!ax->n_values)
			continue;
		sysctls[s->n_axes] = sysctl;
		names[s->n_axes] = ax->name;
		combos *= ax->n_values;
		s->n_axes++;
	}
	if (combos > SC_MAX_VARIANTS)
		jcheck_bad(&c->jc, "variants",
			   "too many combinations, expected at most %d variants, got %llu",
			   SC_MAX_VARIANTS, (unsigned long long)combos);
}
