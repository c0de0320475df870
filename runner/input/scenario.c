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
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "engine.h"
#include "jcheck.h"
#include "sha256.h"
#include "units.h"

#define SC_TIME_MAX_US (3600ull * 1000 * 1000) /* duration, omit, event times */
#define SC_DEFAULT_DURATION_US (10ull * 1000 * 1000)
#define SC_DEFAULT_REPETITIONS 5
#define SC_REPETITIONS_MAX 1000
#define SC_STREAMS_MAX 128
#define SC_BYTES_LIMIT (1ull << 40)
#define SC_SUBFLOWS_MAX 8
#define SC_EFFICIENCY_MAX 2.0
#define SC_MAX_VARIANTS 256 /* product of the axes' sizes */
#define SC_LIMITS_MAX 8	    /* MPTCP limits, as variant_apply() accepts them */
#define SC_KERNEL_NAME_MAX 16 /* TCP_CA_NAME_MAX, MPTCP_SCHED_NAME_MAX */
#define SC_SUITE_MAX 256
#define SC_MAX_TOPO_NAMES 64
#define USEC_PER_SEC 1000000ull

struct sctx {
	struct jcheck jc;
	struct scenario *s;
	const char *dir; /* the scenario file's directory; NULL: the current one */
	bool topo_ok;	 /* s->topo holds a valid topology */
	bool traffic_ok;
};

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

/* A path of the topology by name: its index, or -1 (reported; not when
 * the topology itself failed, which was reported already). */
static int ref_path(struct sctx *c, const char *path, json_t *v)
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

/* ---- traffic ---------------------------------------------------------------- */

/* Does the server end of the path's last link have an address of family? */
static bool server_has_family(const struct topology *t, const struct lab_path_spec *p,
			      int family)
{
	const struct lab_spec *spec = &t->spec;

	for (unsigned i = 0; i < spec->n_links; i++) {
		if (strcmp(spec->links[i].name, p->links[p->n_links - 1]))
			continue;
		for (unsigned e = 0; e < 2; e++) {
			const struct lab_iface_spec *f = &spec->links[i].end[e];

			if (strcmp(f->node, t->server))
				continue;
			for (unsigned k = 0; k < f->n_addrs; k++)
				if (f->addrs[k].family == family)
					return true;
		}
	}
	return false;
}

/* iperf3 reads -t and -O as whole seconds. */
static void check_whole_seconds(struct sctx *c, const char *path, json_t *v, uint64_t us)
{
	char show[JCHECK_SHOW_MAX];

	if (us % USEC_PER_SEC)
		jcheck_bad(&c->jc, path,
			   "not whole seconds, expected e.g. '%llus' (engine iperf3 takes whole seconds), got '%s'",
			   (unsigned long long)(us / USEC_PER_SEC + 1), jcheck_shown(v, show));
}

static void parse_traffic(struct sctx *c, json_t *obj)
{
	static const char *const keys[] = { "engine",	"direction", "duration", "bytes",
					    "omit",	"streams",   "path",	 "family",
					    "mode",	"request",   "response", "rate",
					    "transactions", "sample_interval", NULL };
	struct scenario_traffic *tr = &c->s->traffic;
	char show[JCHECK_SHOW_MAX];
	const char *str;
	json_t *v, *dur, *bytes;
	bool iperf3 = true;
	int path_i = -1;
	uint64_t u;

	/* Defaults, so a scenario without "traffic" runs 10 s up. */
	snprintf(tr->engine, sizeof(tr->engine), "iperf3");
	tr->direction = SCENARIO_UPLOAD;
	tr->duration_us = SC_DEFAULT_DURATION_US;
	tr->streams = 1;
	tr->family = AF_INET;
	if (c->topo_ok && c->s->topo.spec.n_paths) {
		snprintf(tr->path, sizeof(tr->path), "%s", c->s->topo.spec.paths[0].name);
		path_i = 0;
	}
	c->traffic_ok = true;
	if (!obj)
		return;
	if (!jcheck_object(&c->jc, "traffic", obj)) {
		c->traffic_ok = false;
		return;
	}
	jcheck_keys(&c->jc, "traffic", obj, keys);

	if ((v = json_object_get(obj, "engine")) && (str = jcheck_string(&c->jc, "traffic.engine", v))) {
		if (engine_find(str)) {
			snprintf(tr->engine, sizeof(tr->engine), "%s", str);
			iperf3 = !strcmp(str, "iperf3");
		} else {
			char names[128] = "";

			for (size_t i = 0; engine_table[i]; i++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s'%s'",
					 i ? ", " : "", engine_table[i]->name);
			jcheck_bad(&c->jc, "traffic.engine",
				   "unknown engine, expected one of %s, got '%s'", names,
				   jcheck_shown(v, show));
		}
	}
	if ((v = json_object_get(obj, "direction")) &&
	    (str = jcheck_string(&c->jc, "traffic.direction", v))) {
		if (!strcmp(str, "upload"))
			tr->direction = SCENARIO_UPLOAD;
		else if (!strcmp(str, "download"))
			tr->direction = SCENARIO_DOWNLOAD;
		else if (!strcmp(str, "both"))
			tr->direction = SCENARIO_BOTH;
		else
			jcheck_bad(&c->jc, "traffic.direction",
				   "unknown direction, expected 'upload', 'download' or 'both', got '%s'",
				   jcheck_shown(v, show));
	}

	dur = json_object_get(obj, "duration");
	bytes = json_object_get(obj, "bytes");
	if (dur && bytes) {
		char show2[JCHECK_SHOW_MAX];

		jcheck_bad(&c->jc, "traffic",
			   "both 'duration' and 'bytes', expected exactly one of them, got '%s' and '%s'",
			   jcheck_shown(dur, show), jcheck_shown(bytes, show2));
		c->traffic_ok = false;
	}
	if (dur) {
		if (!jcheck_time(&c->jc, "traffic.duration", dur, SC_TIME_MAX_US, &tr->duration_us)) {
			c->traffic_ok = false;
		} else if (!tr->duration_us) {
			jcheck_bad(&c->jc, "traffic.duration",
				   "too short, expected a positive time such as '10s', got '%s'",
				   jcheck_shown(dur, show));
			c->traffic_ok = false;
		} else if (iperf3) {
			check_whole_seconds(c, "traffic.duration", dur, tr->duration_us);
		}
	}
	if (bytes && !dur) {
		tr->duration_us = 0;
		if (!jcheck_size(&c->jc, "traffic.bytes", bytes, SC_BYTES_LIMIT, &tr->bytes))
			c->traffic_ok = false;
	}
	if ((v = json_object_get(obj, "omit"))) {
		if (!jcheck_time(&c->jc, "traffic.omit", v, SC_TIME_MAX_US, &tr->omit_us))
			c->traffic_ok = false;
		else if (iperf3)
			check_whole_seconds(c, "traffic.omit", v, tr->omit_us);
	}
	if ((v = json_object_get(obj, "streams")) &&
	    jcheck_uint(&c->jc, "traffic.streams", v, 1, SC_STREAMS_MAX, &u))
		tr->streams = (unsigned)u;
	if ((v = json_object_get(obj, "family")) &&
	    (str = jcheck_string(&c->jc, "traffic.family", v))) {
		if (!strcmp(str, "inet"))
			tr->family = AF_INET;
		else if (!strcmp(str, "inet6"))
			tr->family = AF_INET6;
		else
			jcheck_bad(&c->jc, "traffic.family",
				   "unknown family, expected 'inet' or 'inet6', got '%s'",
				   jcheck_shown(v, show));
	}
	if ((v = json_object_get(obj, "mode")) && (str = jcheck_string(&c->jc, "traffic.mode", v))) {
		if (!strcmp(str, "rr"))
			tr->rr = true;
		else if (strcmp(str, "bulk"))
			jcheck_bad(&c->jc, "traffic.mode",
				   "unknown mode, expected 'bulk' or 'rr', got '%s'", jcheck_shown(v, show));
	}
	if (tr->rr && iperf3)
		jcheck_bad(&c->jc, "traffic.mode",
			   "request/response needs engine 'native', got engine '%s'", tr->engine);
	if (tr->rr && bytes)
		jcheck_bad(&c->jc, "traffic.bytes",
			   "request/response takes 'transactions' or 'duration', not 'bytes'");
	if ((v = json_object_get(obj, "request")))
		jcheck_size(&c->jc, "traffic.request", v, 64 << 20, &tr->request_bytes);
	if ((v = json_object_get(obj, "response")))
		jcheck_size(&c->jc, "traffic.response", v, 64 << 20, &tr->response_bytes);
	if ((v = json_object_get(obj, "rate")))
		jcheck_uint(&c->jc, "traffic.rate", v, 0, 10000000, &tr->rate_tps);
	if ((v = json_object_get(obj, "transactions")))
		jcheck_uint(&c->jc, "traffic.transactions", v, 1, 100000000, &tr->transactions);
	if ((v = json_object_get(obj, "sample_interval")))
		jcheck_time(&c->jc, "traffic.sample_interval", v, 10 * USEC_PER_SEC,
			    &tr->sample_interval_us);
	if (!tr->rr && (json_object_get(obj, "request") || json_object_get(obj, "response") ||
			json_object_get(obj, "rate") || json_object_get(obj, "transactions")))
		jcheck_bad(&c->jc, "traffic",
			   "'request', 'response', 'rate' and 'transactions' need \"mode\": \"rr\"");
	if ((v = json_object_get(obj, "path"))) {
		path_i = ref_path(c, "traffic.path", v);
		if (path_i >= 0)
			snprintf(tr->path, sizeof(tr->path), "%s", json_string_value(v));
	}
	/* The target is the server's address on the path: it must exist. */
	if (path_i >= 0 &&
	    !server_has_family(&c->s->topo, &c->s->topo.spec.paths[path_i], tr->family))
		jcheck_bad(&c->jc, json_object_get(obj, "family") ? "traffic.family" : "traffic",
			   "no %s address of server '%s' on path '%s', expected a family the path carries, got '%s'",
			   tr->family == AF_INET6 ? "IPv6" : "IPv4", c->s->topo.server,
			   tr->path, tr->family == AF_INET6 ? "inet6" : "inet");
}

/* ---- variants ------------------------------------------------------------- */

enum axis_kind {
	AXIS_KERNEL_NAME, /* scheduler, cc, path_manager */
	AXIS_LIMIT,	  /* limits.* */
	AXIS_ENDPOINT,	  /* endpoint.<id>.flags */
	AXIS_SYSCTL,	  /* sysctl.<key> */
	AXIS_BPF,	  /* bpf_scheduler */
};

static bool all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

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

static void parse_variants(struct sctx *c, json_t *obj)
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

static void parse_expect(struct sctx *c, json_t *obj)
{
	static const char *const keys[] = { "subflows", "min_efficiency", "max_efficiency", NULL };
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
}

/* ---- events --------------------------------------------------------------- */

static void parse_events(struct sctx *c, json_t *arr)
{
	static const char *const keys[] = { "at", "path", "action", "shaping", NULL };
	struct scenario *s = c->s;
	struct lab_shaping cur_up[LAB_MAX_PATHS], cur_down[LAB_MAX_PATHS];
	int down_at[LAB_MAX_PATHS]; /* index of the event that took it down, or -1 */
	char p[JCHECK_PATH_MAX], kp[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX], t1[32], t2[32];
	uint64_t prev_at = 0, end_us = s->traffic.omit_us + s->traffic.duration_us;
	int prev_i = -1;
	bool timeline_ok = true; /* every link event so far is understood */
	json_t *ev, *v;
	size_t i;

	if (!jcheck_array(&c->jc, "events", arr))
		return;
	if (json_array_size(arr) > SCENARIO_MAX_EVENTS)
		jcheck_bad(&c->jc, "events", "too many events, expected at most %d, got %zu",
			   SCENARIO_MAX_EVENTS, json_array_size(arr));
	/* Each shaping event is merged over the shaping in force when it
	 * happens: the scenario's, changed by the earlier events. */
	for (unsigned k = 0; k < s->topo.spec.n_paths && k < LAB_MAX_PATHS; k++) {
		cur_up[k] = s->topo.spec.paths[k].up;
		cur_down[k] = s->topo.spec.paths[k].down;
		down_at[k] = -1;
	}
	json_array_foreach (arr, i, ev) {
		struct scenario_event *e;
		struct lab_shaping scratch_up = { 0 }, scratch_down = { 0 };
		const char *action;
		json_t *sh;
		int pi = -1;
		bool at_ok = false, action_ok = false;

		if (i >= SCENARIO_MAX_EVENTS)
			break;
		jcheck_path_idx(p, "events", i);
		e = &s->events[s->n_events];
		memset(e, 0, sizeof(*e));
		if (!jcheck_object(&c->jc, p, ev))
			continue;
		jcheck_keys(&c->jc, p, ev, keys);
		if ((v = jcheck_required(&c->jc, p, ev, "at")) &&
		    jcheck_time(&c->jc, jcheck_path_key(kp, p, "at"), v, SC_TIME_MAX_US, &e->at_us)) {
			at_ok = true;
			if (prev_i >= 0 && e->at_us < prev_at) {
				jcheck_bad(&c->jc, kp,
					   "out of order, expected events sorted by time, at least '%s' of events[%d], got '%s'",
					   units_format_time(prev_at, t1, sizeof(t1)), prev_i,
					   jcheck_shown(v, show));
			} else if (c->traffic_ok && s->traffic.duration_us && e->at_us >= end_us) {
				jcheck_bad(&c->jc, kp,
					   "after the end of the traffic, expected less than '%s' (omit + duration), got '%s'",
					   units_format_time(end_us, t2, sizeof(t2)),
					   jcheck_shown(v, show));
			}
			prev_at = e->at_us;
			prev_i = (int)i;
		}
		if ((v = jcheck_required(&c->jc, p, ev, "path"))) {
			pi = ref_path(c, jcheck_path_key(kp, p, "path"), v);
			if (pi >= 0)
				snprintf(e->path, sizeof(e->path), "%s", json_string_value(v));
		}
		sh = json_object_get(ev, "shaping");
		if ((v = jcheck_required(&c->jc, p, ev, "action")) &&
		    (action = jcheck_string(&c->jc, jcheck_path_key(kp, p, "action"), v))) {
			action_ok = true;
			if (!strcmp(action, "down")) {
				e->action = SCENARIO_EV_LINK_DOWN;
			} else if (!strcmp(action, "up")) {
				e->action = SCENARIO_EV_LINK_UP;
			} else if (!strcmp(action, "shaping")) {
				e->action = SCENARIO_EV_SHAPING;
			} else {
				jcheck_bad(&c->jc, kp,
					   "unknown action, expected 'down', 'up' or 'shaping', got '%s'",
					   jcheck_shown(v, show));
				action_ok = false;
			}
		}
		if (!action_ok || (pi < 0 && c->topo_ok))
			timeline_ok = false;
		if (action_ok && e->action != SCENARIO_EV_SHAPING) {
			if (sh)
				jcheck_bad(&c->jc, jcheck_path_key(kp, p, "shaping"),
					   "only for action 'shaping', expected no shaping, got it with '%s'",
					   e->action == SCENARIO_EV_LINK_UP ? "up" : "down");
			/* A path goes down, then up: anything else is a
			 * mistake in the timeline. Not checked once an
			 * event was not understood, so that one error does
			 * not bring others that only follow from it. */
			bool track = timeline_ok && pi >= 0;

			if (track && e->action == SCENARIO_EV_LINK_DOWN && down_at[pi] >= 0)
				jcheck_bad(&c->jc, jcheck_path_key(kp, p, "action"),
					   "path '%s' is down already (events[%d]), expected 'up' first, got 'down'",
					   e->path, down_at[pi]);
			else if (track && e->action == SCENARIO_EV_LINK_UP && down_at[pi] < 0)
				jcheck_bad(&c->jc, jcheck_path_key(kp, p, "action"),
					   "path '%s' is not down, expected a 'down' event for it before, got 'up'",
					   e->path);
			if (track)
				down_at[pi] = e->action == SCENARIO_EV_LINK_DOWN ? (int)i : -1;
		} else if (action_ok) {
			jcheck_path_key(kp, p, "shaping");
			if (!sh) {
				jcheck_required(&c->jc, p, ev, "shaping");
			} else if (json_is_object(sh) && json_object_size(sh) == 0) {
				jcheck_bad(&c->jc, kp, "empty, expected at least one shaping key such as 'rate'");
			} else if (pi >= 0) {
				e->up = cur_up[pi];
				e->down = cur_down[pi];
				if (jcheck_shaping(&c->jc, kp, sh, &e->up, &e->down)) {
					cur_up[pi] = e->up;
					cur_down[pi] = e->down;
				}
			} else {
				jcheck_shaping(&c->jc, kp, sh, &scratch_up, &scratch_down);
			}
		}
		if (at_ok && action_ok && pi >= 0)
			s->n_events++;
	}
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

static bool has_require(const struct scenario *s, const char *name)
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
		if (has_require(s, name)) {
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
	if (netem && !has_require(s, "qdisc.netem"))
		add[n_add++] = "qdisc.netem";
	if (ifb && !has_require(s, "link.ifb"))
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
	parse_traffic(c, json_object_get(root, "traffic"));
	if ((v = json_object_get(root, "variants")))
		parse_variants(c, v);
	s->repetitions = SC_DEFAULT_REPETITIONS;
	if ((v = json_object_get(root, "repetitions")) &&
	    jcheck_uint(&c->jc, "repetitions", v, 1, SC_REPETITIONS_MAX, &u))
		s->repetitions = (unsigned)u;
	if ((v = json_object_get(root, "expect")))
		parse_expect(c, v);
	if ((v = json_object_get(root, "events")))
		parse_events(c, v);
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
