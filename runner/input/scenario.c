/*
 * scenario.c: a scenario file (scenarios/NAME.json) -> struct scenario,
 * and a suite file -> the list of its scenario files.
 *
 * Parsed like topologies, in two phases (jcheck.c): JSON syntax located as
 * "file:line:col", then the --set overrides, then a walk over the tree that
 * reports every problem with its JSON path and goes on, so all errors come
 * at once. The walk follows the dependencies: the topology first (path
 * names, endpoints and shaping come from it), then the scenario's shaping
 * overrides, the traffic (its duration bounds the events), the variant
 * axes, the expectations and the timed events, and last the capabilities
 * the result needs (qdisc.netem and link.ifb are derived from the shaping).
 * This file holds the walk, the topology, the expectations, the
 * capabilities and the suites; the traffic and the timed events are in
 * scenario_traffic.c, the variant axes in scenario_axes.c.
 *
 * This file does not build a lab and does not know whether this kernel has
 * a scheduler or netem: variant_apply() and the capability probe decide
 * that at run time and turn it into a skip. The format is documented in
 * scenarios/README.md.
 */
#include "scenario.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "jcheck.h"
#include "scenario_int.h"
#include "sha256.h"

#define SC_DEFAULT_REPETITIONS 5
#define SC_REPETITIONS_MAX 1000
#define SC_SUBFLOWS_MAX 8
#define SC_EFFICIENCY_MAX 2.0
#define SC_SUITE_MAX 256
#define SC_MAX_TOPO_NAMES 64

/* ---- paths of files ------------------------------------------------------- */

/* Directory part of a file name ("." when there is none). */
static void dir_of(const char *file, char *out, size_t size)
{
	const char *slash = strrchr(file, '/');

	if (!slash)
		snprintf(out, size, ".");
	else if (slash == file)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - file), file);
}

/* rel relative to dir (dir NULL: as it is); absolute names stay. */
static int join(const char *dir, const char *rel, char *out, size_t size)
{
	if (!dir || rel[0] == '/' || !strcmp(dir, "."))
		return xsnprintf(out, size, "%s", rel);
	return xsnprintf(out, size, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", rel);
}

/* Where topology names are looked up, in order: the scenario directory's
 * sibling topologies/ (lexically, so "scenarios" gives "topologies" and
 * "/x/scenarios" gives "/x/topologies"), or ./topologies for a scenario
 * from memory; then the installed data directory. */
static unsigned topology_dirs(const char *dir, char out[2][PATH_MAX])
{
	unsigned n = 0;

	if (!dir) {
		snprintf(out[n++], PATH_MAX, "topologies");
	} else {
		const char *slash = strrchr(dir, '/');
		const char *last = slash ? slash + 1 : dir;

		if (!strcmp(dir, "/"))
			snprintf(out[n++], PATH_MAX, "/topologies");
		else if (!strcmp(last, ".") || !strcmp(last, "..") || !*last)
			n += xsnprintf(out[n], PATH_MAX, "%s/../topologies", dir) == 0;
		else if (!slash)
			snprintf(out[n++], PATH_MAX, "topologies");
		else if (slash == dir)
			snprintf(out[n++], PATH_MAX, "/topologies");
		else
			n += xsnprintf(out[n], PATH_MAX, "%.*s/topologies", (int)(slash - dir),
				       dir) == 0;
	}
#ifdef MPL_DATADIR
	n += xsnprintf(out[n], PATH_MAX, "%s/topologies", MPL_DATADIR) == 0;
#endif
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "asymmetric, three-path, two-path": the topology names found in dirs. */
static const char *topology_names(char dirs[2][PATH_MAX], unsigned n_dirs, char *buf,
				  size_t size)
{
	char *names[SC_MAX_TOPO_NAMES];
	size_t n = 0, len = 0;

	for (unsigned d = 0; d < n_dirs; d++) {
		DIR *dh = opendir(dirs[d]);
		struct dirent *de;

		if (!dh)
			continue;
		while ((de = readdir(dh)) && n < SC_MAX_TOPO_NAMES) {
			size_t l = strlen(de->d_name);
			bool seen = false;
			char *name;

			if (l < 6 || strcmp(de->d_name + l - 5, ".json") || de->d_name[0] == '.')
				continue;
			name = strndup(de->d_name, l - 5);
			if (!name)
				break;
			for (size_t k = 0; k < n && !seen; k++)
				seen = !strcmp(names[k], name);
			if (seen)
				free(name);
			else
				names[n++] = name;
		}
		closedir(dh);
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
						names[i]);
		free(names[i]);
	}
	if (!n)
		snprintf(buf, size, "(none found)");
	return buf;
}

/* Is path a regular file that can be opened for reading? 0 or a negative
 * errno. Named files must be regular: a FIFO or a device would block or
 * never end. */
static int readable_file(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static const char *readable_why(int r)
{
	return r == -EINVAL ? "not a regular file" : strerror(-r);
}

/* ---- the topology ----------------------------------------------------------- */

/* Find the topology file the "topology" value names; out is empty when
 * it cannot be found (reported). */
static void resolve_topology(struct sctx *c, json_t *v, char *out, size_t size)
{
	char dirs[2][PATH_MAX], show[JCHECK_SHOW_MAX], list[512], where[2 * PATH_MAX + 8];
	const char *ref = jcheck_string(&c->jc, "topology", v);
	unsigned n_dirs;
	size_t len;
	int r;

	out[0] = '\0';
	if (!ref)
		return;
	len = strlen(ref);
	if (!len) {
		jcheck_bad(&c->jc, "topology", "empty, expected a topology name or a path to a .json file");
		return;
	}
	if (strchr(ref, '/') || (len > 5 && !strcmp(ref + len - 5, ".json"))) {
		if (join(c->dir, ref, out, size) < 0) {
			jcheck_bad(&c->jc, "topology", "path too long, got '%s'", jcheck_shown(v, show));
			out[0] = '\0';
		} else if ((r = readable_file(out)) < 0) {
			jcheck_bad(&c->jc, "topology", "cannot read '%s': %s", out, readable_why(r));
			out[0] = '\0';
		}
		return;
	}
	n_dirs = topology_dirs(c->dir, dirs);
	for (unsigned d = 0; d < n_dirs; d++) {
		if (xsnprintf(out, size, "%s/%s.json", dirs[d], ref) < 0)
			continue;
		r = readable_file(out);
		if (r == 0)
			return;
		/* There, but unusable: say why rather than "unknown". */
		if (r != -ENOENT && r != -ENOTDIR) {
			jcheck_bad(&c->jc, "topology", "cannot read '%s': %s", out, readable_why(r));
			out[0] = '\0';
			return;
		}
	}
	out[0] = '\0';
	where[0] = '\0';
	for (unsigned d = 0, l = 0; d < n_dirs; d++)
		l += (unsigned)snprintf(where + l, sizeof(where) - l, "%s'%s'", d ? ", " : "",
					dirs[d]);
	jcheck_bad(&c->jc, "topology",
		   "unknown topology, expected one of: %s (in %s) or a path to a .json file, got '%s'",
		   topology_names(dirs, n_dirs, list, sizeof(list)), where, jcheck_shown(v, show));
}

/* Load the topology; its own messages name its file. */
static void load_topology(struct sctx *c, json_t *v)
{
	struct scenario *s = c->s;
	unsigned before = (unsigned)c->jc.errs->n;
	char *buf = NULL;
	size_t len = 0;

	resolve_topology(c, v, s->topology_file, sizeof(s->topology_file));
	if (!s->topology_file[0])
		return;
	/* Hash the very bytes that are parsed. */
	if (jcheck_read_file(s->topology_file, &buf, &len, c->jc.errs) == 0) {
		sha256_hex(buf, len, s->topology_sha256);
		c->topo_ok = topology_load_buffer(s->topology_file, buf, len, NULL, 0, &s->topo,
						  c->jc.errs) == 0;
	}
	free(buf);
	/* Its messages name the topology file; this one says which
	 * scenario key brought it in. */
	if (!c->topo_ok)
		jcheck_bad(&c->jc, "topology", "cannot use topology '%s', see the %u error%s above",
			   s->topology_file, (unsigned)(c->jc.errs->n - before),
			   c->jc.errs->n - before == 1 ? "" : "s");
}

static int path_index(const struct lab_spec *spec, const char *name)
{
	for (unsigned i = 0; i < spec->n_paths; i++)
		if (!strcmp(spec->paths[i].name, name))
			return (int)i;
	return -1;
}

static const char *path_list(const struct lab_spec *spec, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < spec->n_paths && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
					spec->paths[i].name);
	return buf;
}

/* A path by name (see scenario_int.h): its index, or -1 after a message. */
int scenario_ref_path(struct sctx *c, const char *path, json_t *v)
{
	char show[JCHECK_SHOW_MAX], list[256];
	const char *name = jcheck_string(&c->jc, path, v);
	int i;

	if (!name || !c->topo_ok)
		return -1;
	i = path_index(&c->s->topo.spec, name);
	if (i < 0)
		jcheck_bad(&c->jc, path, "unknown path, expected one of topology '%s': %s, got '%s'",
			   c->s->topo.name, path_list(&c->s->topo.spec, list, sizeof(list)),
			   jcheck_shown(v, show));
	return i;
}

/* "paths": {"path1": {SHAPING}, ...} merged over the topology's shaping. */
static void parse_paths(struct sctx *c, json_t *obj)
{
	char p[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX], list[256];
	struct lab_spec *spec = &c->s->topo.spec;
	const char *name;
	json_t *v;

	if (!jcheck_object(&c->jc, "paths", obj))
		return;
	json_object_foreach (obj, name, v) {
		struct lab_shaping scratch_up = { 0 }, scratch_down = { 0 };
		int i = c->topo_ok ? path_index(spec, name) : -1;

		jcheck_path_key(p, "paths", name);
		if (c->topo_ok && i < 0)
			jcheck_bad(&c->jc, p,
				   "unknown path, expected one of topology '%s': %s, got '%s'",
				   c->s->topo.name, path_list(spec, list, sizeof(list)),
				   jcheck_shown_str(name, show));
		/* Checked even when the path is unknown, so every error shows. */
		if (i >= 0)
			jcheck_shaping(&c->jc, p, v, &spec->paths[i].up, &spec->paths[i].down);
		else
			jcheck_shaping(&c->jc, p, v, &scratch_up, &scratch_down);
	}
}

/* ---- expectations ------------------------------------------------------------ */

/* The efficiency is goodput over the sum of the paths' rates: every path
 * needs a rate in each direction the traffic uses. */
static void check_rates_for(struct sctx *c, const char *path)
{
	const struct lab_spec *spec = &c->s->topo.spec;
	enum scenario_direction d = c->s->traffic.direction;

	for (unsigned i = 0; i < spec->n_paths; i++) {
		bool no_up = d != SCENARIO_DOWNLOAD && !spec->paths[i].up.rate_bps;
		bool no_down = d != SCENARIO_UPLOAD && !spec->paths[i].down.rate_bps;

		if (no_up || no_down) {
			jcheck_bad(&c->jc, path,
				   "needs a rate on every path in the traffic's direction, expected a rate for '%s' %s, got none",
				   spec->paths[i].name, no_up ? "up" : "down");
			return;
		}
	}
}

/* The selftest's slack (simult_flows.sh: "slack=50"; it adds 550 ms on a
 * debug kernel, which a scenario for one says with completion_slack). */
#define SC_SELFTEST_SLACK_US (50 * 1000)
/* mptcp_connect sleeps 200 ms on each side for the MP_JOIN handshake. */
#define SC_SELFTEST_JOIN_US (400 * 1000)

/*
 * The kernel selftest simult_flows.sh's bound, in its integer arithmetic:
 *
 *	time = 1000 * size * 8 * 10 / ((rate1 + rate2) * 1000 * 1000 * 9) ms
 *
 * (byte -> bit, 10 % of header overhead, Mbit/s), + 400 ms + slack; here
 * with the sum of every path's rate in bit/s in the traffic's direction.
 */
static void completion_formula(struct sctx *c, json_t *v, json_t *slack)
{
	const struct lab_spec *spec = &c->s->topo.spec;
	struct scenario_expect *e = &c->s->expect;
	const struct scenario_traffic *tr = &c->s->traffic;
	unsigned __int128 rates = 0;
	char show[JCHECK_SHOW_MAX];

	snprintf(e->completion_formula, sizeof(e->completion_formula), "simult_flows");
	e->completion_slack_us = SC_SELFTEST_SLACK_US;
	if (slack && !jcheck_time(&c->jc, "expect.completion_slack", slack, SC_TIME_MAX_US,
				  &e->completion_slack_us))
		return;
	if (!c->topo_ok || !c->traffic_ok)
		return;
	if (!tr->bytes) {
		jcheck_bad(&c->jc, "expect.completion_max",
			   "the formula bounds a byte-count transfer, expected traffic.bytes, got '%s' for a transfer by duration",
			   jcheck_shown(v, show));
		return;
	}
	if (tr->direction == SCENARIO_BOTH) {
		jcheck_bad(&c->jc, "expect.completion_max",
			   "the formula bounds one direction, expected traffic.direction upload or download, got 'both'");
		return;
	}
	for (unsigned i = 0; i < spec->n_paths; i++) {
		const uint64_t r = tr->direction == SCENARIO_UPLOAD ? spec->paths[i].up.rate_bps :
								      spec->paths[i].down.rate_bps;

		if (!r) {
			check_rates_for(c, "expect.completion_max");
			return;
		}
		rates += r;
	}
	/* ms = size * 8 * 10 * 1000 / (rates * 9), truncated as the shell does */
	e->completion_max_us = (uint64_t)((unsigned __int128)tr->bytes * 8 * 10 * 1000 /
					  (rates * 9)) * 1000 + SC_SELFTEST_JOIN_US +
			       e->completion_slack_us;
}

static void parse_completion_max(struct sctx *c, json_t *v, json_t *slack)
{
	struct scenario_expect *e = &c->s->expect;
	char show[JCHECK_SHOW_MAX];

	if (json_is_string(v) && !strcmp(json_string_value(v), "simult_flows")) {
		completion_formula(c, v, slack);
		return;
	}
	if (slack)
		jcheck_bad(&c->jc, "expect.completion_slack",
			   "only with the formula, expected expect.completion_max \"simult_flows\", got a time of its own ('%s')",
			   jcheck_shown(v, show));
	if (!json_is_string(v)) {
		jcheck_bad(&c->jc, "expect.completion_max",
			   "expected a time (\"11.9s\") or the name of a formula (simult_flows), got '%s'",
			   jcheck_shown(v, show));
		return;
	}
	if (!jcheck_time(&c->jc, "expect.completion_max", v, SC_TIME_MAX_US, &e->completion_max_us))
		return;
	if (!e->completion_max_us)
		jcheck_bad(&c->jc, "expect.completion_max", "expected a time above 0, got '%s'",
			   jcheck_shown(v, show));
	else if (c->traffic_ok && !c->s->traffic.bytes)
		jcheck_bad(&c->jc, "expect.completion_max",
			   "bounds a byte-count transfer, expected traffic.bytes, got a transfer by duration");
}

static void parse_expect(struct sctx *c, json_t *obj)
{
	static const char *const keys[] = { "subflows",	      "min_efficiency",	  "max_efficiency",
					    "completion_max", "completion_slack", NULL };
	struct scenario_expect *e = &c->s->expect;
	json_t *v, *vmin, *vmax;
	bool min_ok = false, max_ok = false;
	char show[JCHECK_SHOW_MAX];
	uint64_t u;

	if (!jcheck_object(&c->jc, "expect", obj))
		return;
	jcheck_keys(&c->jc, "expect", obj, keys);
	if ((v = json_object_get(obj, "subflows")) &&
	    jcheck_uint(&c->jc, "expect.subflows", v, 0, SC_SUBFLOWS_MAX, &u))
		e->subflows = (unsigned)u;
	if ((vmin = json_object_get(obj, "min_efficiency")))
		min_ok = jcheck_number(&c->jc, "expect.min_efficiency", vmin, 0, SC_EFFICIENCY_MAX,
				       &e->min_efficiency);
	if ((vmax = json_object_get(obj, "max_efficiency")))
		max_ok = jcheck_number(&c->jc, "expect.max_efficiency", vmax, 0, SC_EFFICIENCY_MAX,
				       &e->max_efficiency);
	/* 0 is "no bound" for either. */
	if (min_ok && max_ok && e->max_efficiency > 0 && e->min_efficiency > e->max_efficiency)
		jcheck_bad(&c->jc, "expect.min_efficiency",
			   "greater than max_efficiency, expected at most '%g', got '%s'",
			   e->max_efficiency, jcheck_shown(vmin, show));
	if (c->topo_ok && c->traffic_ok && (e->min_efficiency > 0 || e->max_efficiency > 0))
		check_rates_for(c, e->min_efficiency > 0 ? "expect.min_efficiency" :
							   "expect.max_efficiency");
	if ((v = json_object_get(obj, "completion_max")))
		parse_completion_max(c, v, json_object_get(obj, "completion_slack"));
	else if (json_object_get(obj, "completion_slack"))
		jcheck_bad(&c->jc, "expect.completion_slack",
			   "a slack for the formula, expected expect.completion_max \"simult_flows\" beside it, got none");
}

/* ---- capabilities ----------------------------------------------------------- */

/* "qdisc.netem", "link.ifb", "mptcp", "tool.iperf3", ...: the families
 * `mptcp-lab check` reports. Names are not checked against this host's
 * probe: a capability this build does not know skips the runs. */
static bool capability_name_valid(const char *name)
{
	static const char *const families[] = { "mptcp", "sockopt", "link",   "qdisc", "filter",
						"action", "bpf",    "tool", "iperf3", "kvm" };
	const char *dot = strchr(name, '.');
	size_t fl = dot ? (size_t)(dot - name) : strlen(name);

	if (!*name || strlen(name) >= sizeof(((struct scenario *)0)->requires[0]) ||
	    !all_of(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") || (dot && !dot[1]) ||
	    strstr(name, ".."))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		if (strlen(families[i]) == fl && !strncmp(name, families[i], fl))
			return true;
	return false;
}

bool scenario_requires(const struct scenario *s, const char *name)
{
	for (unsigned i = 0; i < s->n_requires; i++)
		if (!strcmp(s->requires[i], name))
			return true;
	return false;
}

static void parse_requires(struct sctx *c, json_t *arr)
{
	struct scenario *s = c->s;
	char p[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX];
	json_t *v;
	size_t i;

	if (!jcheck_array(&c->jc, "requires", arr))
		return;
	if (json_array_size(arr) > SCENARIO_MAX_REQUIRES)
		jcheck_bad(&c->jc, "requires", "too many capabilities, expected at most %d, got %zu",
			   SCENARIO_MAX_REQUIRES, json_array_size(arr));
	json_array_foreach (arr, i, v) {
		const char *name;

		if (i >= SCENARIO_MAX_REQUIRES)
			break;
		jcheck_path_idx(p, "requires", i);
		if (!(name = jcheck_string(&c->jc, p, v)))
			continue;
		if (!capability_name_valid(name)) {
			jcheck_bad(&c->jc, p,
				   "unknown capability, expected a name as `mptcp-lab check` prints it (mptcp.*, sockopt.*, link.*, qdisc.*, filter.*, action.*, bpf.*, tool.*, iperf3.*) such as 'qdisc.netem', got '%s'",
				   jcheck_shown(v, show));
			continue;
		}
		if (scenario_requires(s, name)) {
			jcheck_bad(&c->jc, p, "duplicate capability, got '%s'", name);
			continue;
		}
		strcpy(s->requires[s->n_requires++], name);
	}
}

static bool shaped(const struct lab_shaping *sh)
{
	return sh->rate_bps || lab_shaping_needs_netem(sh);
}

/* What the shaping needs beyond the basics: netem for delay, jitter, loss
 * and reorder; ifb for a direct link, which the lab shapes on the
 * receiver's ingress. The runner skips the scenario where they are
 * missing instead of failing it. */
static void derive_requires(struct sctx *c)
{
	const struct scenario *s = c->s;
	const struct lab_spec *spec = &s->topo.spec;
	bool netem = false, ifb = false;
	const char *add[2];
	unsigned n_add = 0;

	for (unsigned i = 0; i < spec->n_paths; i++) {
		const struct lab_path_spec *ps = &spec->paths[i];
		bool any = shaped(&ps->up) || shaped(&ps->down);

		netem |= lab_shaping_needs_netem(&ps->up) || lab_shaping_needs_netem(&ps->down);
		for (unsigned k = 0; k < s->n_events; k++) {
			const struct scenario_event *e = &s->events[k];

			if (e->action != SCENARIO_EV_SHAPING || strcmp(e->path, ps->name))
				continue;
			netem |= lab_shaping_needs_netem(&e->up) ||
				 lab_shaping_needs_netem(&e->down);
			any |= shaped(&e->up) || shaped(&e->down);
		}
		ifb |= ps->n_links == 1 && any;
	}
	if (netem && !scenario_requires(s, "qdisc.netem"))
		add[n_add++] = "qdisc.netem";
	if (ifb && !scenario_requires(s, "link.ifb"))
		add[n_add++] = "link.ifb";
	for (unsigned i = 0; i < n_add; i++) {
		if (s->n_requires >= SCENARIO_MAX_REQUIRES) {
			jcheck_bad(&c->jc, "requires",
				   "too many capabilities with '%s' that the shaping needs, expected at most %d in all",
				   add[i], SCENARIO_MAX_REQUIRES);
			return;
		}
		strcpy(c->s->requires[c->s->n_requires++], add[i]);
	}
}

/* ---- the document ------------------------------------------------------------ */

static void parse_root(struct sctx *c, json_t *root)
{
	static const char *const keys[] = { "name",	"description", "topology", "paths",
					    "traffic",	"variants",    "repetitions", "expect",
					    "events",	"requires",    NULL };
	struct scenario *s = c->s;
	json_t *v;
	uint64_t u;

	if (!json_is_object(root)) {
		jcheck_bad_type(&c->jc, "top level", root, "an object");
		return;
	}
	jcheck_keys(&c->jc, "", root, keys);
	if ((v = jcheck_required(&c->jc, "", root, "name")))
		jcheck_name_into(&c->jc, "name", v, s->name, sizeof(s->name));
	if ((v = json_object_get(root, "description")))
		jcheck_string_into(&c->jc, "description", v, s->description, sizeof(s->description));
	if ((v = jcheck_required(&c->jc, "", root, "topology")))
		load_topology(c, v);
	if ((v = json_object_get(root, "paths")))
		parse_paths(c, v);
	scenario_parse_traffic(c, json_object_get(root, "traffic"));
	if ((v = json_object_get(root, "variants")))
		scenario_parse_variants(c, v);
	s->repetitions = SC_DEFAULT_REPETITIONS;
	if ((v = json_object_get(root, "repetitions")) &&
	    jcheck_uint(&c->jc, "repetitions", v, 1, SC_REPETITIONS_MAX, &u))
		s->repetitions = (unsigned)u;
	if ((v = json_object_get(root, "expect")))
		parse_expect(c, v);
	if ((v = json_object_get(root, "events")))
		scenario_parse_events(c, v);
	if ((v = json_object_get(root, "requires")))
		parse_requires(c, v);
	if (c->topo_ok)
		derive_requires(c);
}

/* dir: the directory topology names and relative paths are resolved
 * against, NULL for the current one. */
static int load(const char *origin, const char *dir, const char *buf, size_t len,
		const char *const *sets, size_t n_sets, struct scenario *s, struct diag_list *errs)
{
	struct sctx c = { .jc = { .origin = origin, .errs = errs }, .s = s, .dir = dir };
	json_t *root;

	memset(s, 0, sizeof(*s));
	if (xsnprintf(s->file, sizeof(s->file), "%s", origin) < 0) {
		diag_list_add(errs, "%s: file name too long", origin);
		return -ENAMETOOLONG;
	}
	sha256_hex(buf, len, s->sha256);
	root = jcheck_parse(&c.jc, buf, len, sets, n_sets);
	if (!root) {
		memset(s, 0, sizeof(*s));
		return -EINVAL;
	}
	parse_root(&c, root);
	json_decref(root);
	if (c.jc.n_errors) {
		memset(s, 0, sizeof(*s));
		return -EINVAL;
	}
	return 0;
}

int scenario_load_buffer(const char *origin, const char *buf, size_t len,
			 const char *const *sets, size_t n_sets, struct scenario *s,
			 struct diag_list *errs)
{
	return load(origin, NULL, buf, len, sets, n_sets, s, errs);
}

int scenario_load_file(const char *path, const char *const *sets, size_t n_sets,
		       struct scenario *s, struct diag_list *errs)
{
	char dir[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int r;

	memset(s, 0, sizeof(*s));
	dir_of(path, dir, sizeof(dir));
	r = jcheck_read_file(path, &buf, &len, errs);
	if (r == 0)
		r = load(path, dir, buf, len, sets, n_sets, s, errs);
	free(buf);
	return r;
}

/* ---- suites ----------------------------------------------------------------- */

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* {"name", "description", "scenarios": ["smoke.json", ...]} */
static void parse_suite(struct jcheck *c, const char *path, json_t *root, char ***listp,
			size_t *np, char *name)
{
	static const char *const keys[] = { "name", "description", "scenarios", NULL };
	char dir[PATH_MAX], p[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX], desc[256];
	char file[PATH_MAX];
	json_t *arr = json_object_get(root, "scenarios"), *v;
	char **list;
	size_t i, n = 0;
	int r;

	jcheck_keys(c, "", root, keys);
	if ((v = jcheck_required(c, "", root, "name")))
		jcheck_name_into(c, "name", v, name, 64);
	if ((v = json_object_get(root, "description")))
		jcheck_string_into(c, "description", v, desc, sizeof(desc));
	if (!jcheck_array(c, "scenarios", arr))
		return;
	if (json_array_size(arr) == 0 || json_array_size(arr) > SC_SUITE_MAX) {
		jcheck_bad(c, "scenarios", "expected 1 to %d scenario files, got %zu", SC_SUITE_MAX,
			   json_array_size(arr));
		return;
	}
	list = calloc(json_array_size(arr), sizeof(*list));
	if (!list) {
		jcheck_bad(c, "scenarios", "out of memory");
		return;
	}
	dir_of(path, dir, sizeof(dir));
	json_array_foreach (arr, i, v) {
		const char *rel;
		bool dup = false;

		jcheck_path_idx(p, "scenarios", i);
		if (!(rel = jcheck_string(c, p, v)))
			continue;
		if (!*rel) {
			jcheck_bad(c, p, "empty, expected the path of a scenario file");
			continue;
		}
		if (join(dir, rel, file, sizeof(file)) < 0) {
			jcheck_bad(c, p, "path too long, got '%s'", jcheck_shown(v, show));
			continue;
		}
		if ((r = readable_file(file)) < 0) {
			jcheck_bad(c, p, "cannot read '%s': %s", jcheck_shown(v, show), readable_why(r));
			continue;
		}
		for (size_t k = 0; k < n && !dup; k++)
			dup = !strcmp(list[k], file);
		if (dup) {
			jcheck_bad(c, p, "duplicate scenario, expected each file once, got '%s'",
				   jcheck_shown(v, show));
			continue;
		}
		if (!(list[n] = strdup(file))) {
			jcheck_bad(c, p, "out of memory");
			continue;
		}
		n++;
	}
	*listp = list;
	*np = n;
}

int suite_load_file(const char *path, char ***files, size_t *n_files, char *name,
		    size_t name_size, struct diag_list *errs)
{
	struct jcheck c = { .origin = path, .errs = errs };
	char suite_name[64] = "", *buf = NULL;
	char **list = NULL;
	size_t len = 0, n = 0;
	json_t *root = NULL;
	int r;

	*files = NULL;
	*n_files = 0;
	if (name_size)
		name[0] = '\0';
	r = jcheck_read_file(path, &buf, &len, errs);
	if (r < 0)
		goto out;
	root = jcheck_parse(&c, buf, len, NULL, 0);
	if (!root) {
		r = -EINVAL;
		goto out;
	}
	if (!json_is_object(root)) {
		jcheck_bad_type(&c, "top level", root, "an object");
	} else if (json_object_get(root, "scenarios")) {
		parse_suite(&c, path, root, &list, &n, suite_name);
	} else if (json_object_get(root, "topology")) {
		/* A scenario: a suite of itself, named like it. */
		json_t *v = json_object_get(root, "name");
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		size_t bl = strlen(base);

		if (json_is_string(v))
			snprintf(suite_name, sizeof(suite_name), "%s", json_string_value(v));
		else
			snprintf(suite_name, sizeof(suite_name), "%.*s",
				 (int)(bl > 5 && !strcmp(base + bl - 5, ".json") ? bl - 5 : bl), base);
		list = calloc(1, sizeof(*list));
		if (!list || !(list[0] = strdup(path)))
			jcheck_bad(&c, "top level", "out of memory");
		else
			n = 1;
	} else {
		jcheck_bad(&c, "top level",
			   "neither a suite nor a scenario, expected a \"scenarios\" array (a suite) or a \"topology\" key (a scenario)");
	}
	r = c.n_errors ? -EINVAL : 0;
out:
	json_decref(root);
	free(buf);
	if (r < 0) {
		free_list(list, n);
		return r;
	}
	*files = list;
	*n_files = n;
	if (name_size)
		snprintf(name, name_size, "%s", suite_name);
	return 0;
}
