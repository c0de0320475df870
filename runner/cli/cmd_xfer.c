/*
 * cmd_xfer.c: `mptcp-lab xfer server|client ...`, the internal command the
 * native engine spawns in each namespace (/proc/self/exe with an argv).
 * It is usable by hand and by tests, but it is not part of the stable CLI.
 *
 *   xfer server --port P [--bind ADDR] [common options]
 *   xfer client --connect ADDR --port P [--mode bulk|rr]
 *               [--direction upload|download|both] [--bytes SIZE | --duration TIME]
 *               [--omit TIME] [--request SIZE] [--response SIZE] [--rate N]
 *               [--transactions N] [--connect-timeout TIME] [common options]
 *   common:     [--tcp] [--interval TIME|0] [--timeout TIME] [--buffer SIZE]
 *               [--congestion NAME] [--output PATH]
 *
 * The server takes its orders from the client's header; everything but
 * the port, address and the common options belongs to the client. This
 * file only parses arguments and opens the output; xfer.c does the work.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "exitcodes.h"
#include "mtime.h"
#include "units.h"
#include "xfer.h"

#define XFER_TIMEOUT_DEFAULT_US (60 * USEC_PER_SEC)
#define XFER_CONNECT_TIMEOUT_DEFAULT_US (3 * USEC_PER_SEC)

enum {
	OPT_PORT = 256,
	OPT_CONNECT,
	OPT_BIND,
	OPT_MODE,
	OPT_DIRECTION,
	OPT_BYTES,
	OPT_DURATION,
	OPT_OMIT,
	OPT_REQUEST,
	OPT_RESPONSE,
	OPT_RATE,
	OPT_TRANSACTIONS,
	OPT_CONNECT_TIMEOUT,
	OPT_TCP,
	OPT_INTERVAL,
	OPT_TIMEOUT,
	OPT_BUFFER,
	OPT_CONGESTION,
	OPT_OUTPUT,
};

static int bad(const char *opt, const char *value, const char *expected)
{
	say_error("xfer: %s: expected %s, got '%s'", opt, expected, value);
	return usage_of("xfer");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (*end || errno || *v > max)
		return -EINVAL;
	return 0;
}

/* A time, or a bare "0" (sampling off). */
static int parse_time0(const char *s, uint64_t *us)
{
	if (!strcmp(s, "0")) {
		*us = 0;
		return 0;
	}
	return units_parse_time_us(s, us);
}

int cmd_xfer(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, OPT_PORT },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "bind", required_argument, NULL, OPT_BIND },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "direction", required_argument, NULL, OPT_DIRECTION },
		{ "bytes", required_argument, NULL, OPT_BYTES },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "omit", required_argument, NULL, OPT_OMIT },
		{ "request", required_argument, NULL, OPT_REQUEST },
		{ "response", required_argument, NULL, OPT_RESPONSE },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "transactions", required_argument, NULL, OPT_TRANSACTIONS },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "tcp", no_argument, NULL, OPT_TCP },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "buffer", required_argument, NULL, OPT_BUFFER },
		{ "congestion", required_argument, NULL, OPT_CONGESTION },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ NULL, 0, NULL, 0 },
	};
	struct xfer_opts o = {
		.interval_us = XFER_INTERVAL_DEFAULT_US,
		.timeout_us = XFER_TIMEOUT_DEFAULT_US,
		.connect_timeout_us = XFER_CONNECT_TIMEOUT_DEFAULT_US,
		.buffer_bytes = 0, /* reads of 256 KiB, writes of 128 KiB (xfer.h) */
		.cancel = &mpl_interrupted,
	};
	struct diag d = DIAG_INIT;
	const char *output = NULL;
	bool have_port = false, client_only = false;
	uint64_t v;
	int c, r, fd;

	if (argc < 2)
		return usage_of("xfer");
	if (!strcmp(argv[1], "server"))
		o.server = true;
	else if (strcmp(argv[1], "client"))
		return usage_of("xfer");

	optind = 2;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c >= OPT_CONNECT && c <= OPT_CONNECT_TIMEOUT && c != OPT_BIND)
			client_only = true;
		switch (c) {
		case OPT_PORT:
			if (parse_u64(optarg, 65535, &v) || !v)
				return bad("--port", optarg, "a port 1-65535");
			o.port = (uint16_t)v;
			have_port = true;
			break;
		case OPT_CONNECT:
			o.connect = optarg;
			break;
		case OPT_BIND:
			o.bind = optarg;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "bulk"))
				o.p.mode = XFER_BULK;
			else if (!strcmp(optarg, "rr"))
				o.p.mode = XFER_RR;
			else
				return bad("--mode", optarg, "bulk or rr");
			break;
		case OPT_DIRECTION:
			if (!strcmp(optarg, "upload"))
				o.p.direction = XFER_UPLOAD;
			else if (!strcmp(optarg, "download"))
				o.p.direction = XFER_DOWNLOAD;
			else if (!strcmp(optarg, "both"))
				o.p.direction = XFER_BOTH;
			else
				return bad("--direction", optarg, "upload, download or both");
			break;
		case OPT_BYTES:
			if (units_parse_size_bytes(optarg, &o.p.bytes) || !o.p.bytes)
				return bad("--bytes", optarg, "a size such as 16MiB");
			break;
		case OPT_DURATION:
			if (units_parse_time_us(optarg, &o.p.duration_us) || !o.p.duration_us)
				return bad("--duration", optarg, "a time such as 10s");
			break;
		case OPT_OMIT:
			if (units_parse_time_us(optarg, &o.p.omit_us))
				return bad("--omit", optarg, "a time such as 1s");
			break;
		case OPT_REQUEST:
			if (units_parse_size_bytes(optarg, &v) || !v || v > XFER_RR_SIZE_MAX_BYTES)
				return bad("--request", optarg, "a size of 1 byte to 64MiB");
			o.p.request_bytes = (uint32_t)v;
			break;
		case OPT_RESPONSE:
			if (units_parse_size_bytes(optarg, &v) || !v || v > XFER_RR_SIZE_MAX_BYTES)
				return bad("--response", optarg, "a size of 1 byte to 64MiB");
			o.p.response_bytes = (uint32_t)v;
			break;
		case OPT_RATE:
			if (parse_u64(optarg, 10000000, &o.p.rate_tps))
				return bad("--rate", optarg,
					   "transactions per second (0 = back to back)");
			break;
		case OPT_TRANSACTIONS:
			if (parse_u64(optarg, UINT32_MAX, &o.p.transactions) || !o.p.transactions)
				return bad("--transactions", optarg, "a count");
			break;
		case OPT_CONNECT_TIMEOUT:
			if (units_parse_time_us(optarg, &o.connect_timeout_us) ||
			    !o.connect_timeout_us)
				return bad("--connect-timeout", optarg, "a time such as 3s");
			break;
		case OPT_TCP:
			o.tcp = true;
			break;
		case OPT_INTERVAL:
			if (parse_time0(optarg, &o.interval_us) ||
			    (o.interval_us && o.interval_us < XFER_INTERVAL_MIN_US))
				return bad("--interval", optarg, "a time of at least 1ms, or 0");
			break;
		case OPT_TIMEOUT:
			if (units_parse_time_us(optarg, &o.timeout_us) || !o.timeout_us)
				return bad("--timeout", optarg, "a time such as 60s");
			break;
		case OPT_BUFFER:
			if (units_parse_size_bytes(optarg, &v) || v < 4096 ||
			    v > XFER_BUFFER_MAX_BYTES)
				return bad("--buffer", optarg, "a size of 4KiB to 16MiB");
			o.buffer_bytes = (size_t)v;
			break;
		case OPT_CONGESTION:
			if (!optarg[0] || strlen(optarg) >= sizeof(o.congestion))
				return bad("--congestion", optarg, "a congestion control name");
			snprintf(o.congestion, sizeof(o.congestion), "%s", optarg);
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		default:
			return usage_of("xfer");
		}
	}
	if (optind != argc || !have_port)
		return usage_of("xfer");
	if (o.server && client_only) {
		say_error("xfer server: the client's options come in its request header");
		return usage_of("xfer");
	}
	if (!o.server && !o.connect) {
		say_error("xfer client: --connect ADDR is required");
		return usage_of("xfer");
	}
	/* rr defaults to one-byte request and response (netperf TCP_RR). */
	if (!o.server && o.p.mode == XFER_RR) {
		if (!o.p.request_bytes)
			o.p.request_bytes = 1;
		if (!o.p.response_bytes)
			o.p.response_bytes = 1;
	}
	if (!o.server && xfer_params_check(&o.p, &d) < 0) {
		say_error("xfer client: %s", diag_str(&d));
		return EXIT_USAGE;
	}

	if (output) {
		/* The engine passes /proc/<pid>/fd/<n> of a pipe it reads. */
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !(o.out = fdopen(fd, "w"))) {
			say_error("xfer: cannot open '%s': %s", output, strerror(errno));
			if (fd >= 0)
				close(fd);
			return EXIT_FAIL;
		}
	} else {
		o.out = stdout;
	}
	setvbuf(o.out, NULL, _IOFBF, 1 << 16);

	r = xfer_run(&o, &d);
	if (r < 0)
		say_error("xfer %s: %s", o.server ? "server" : "client", diag_str(&d));
	if (o.out != stdout)
		fclose(o.out);
	else
		fflush(stdout);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
