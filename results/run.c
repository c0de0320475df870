/*
 * run.c: struct results_run in memory: a fresh run with a random v4 uuid,
 * copying setters for strings and children, lookup of a metric, release,
 * and the names of the run statuses.
 *
 * Arrays grow one element at a time: a run has tens of children, and a
 * capacity field would be one more thing for callers that fill the arrays
 * themselves to get wrong.
 *
 * This file does not touch the database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "array.h"
#include "results.h"

static const char *const status_names[] = {
	[RESULTS_OK] = "ok",
	[RESULTS_FAILED] = "failed",
	[RESULTS_SKIPPED] = "skipped",
	[RESULTS_INVALID] = "invalid",
};

const char *results_status_name(enum results_status s)
{
	if ((unsigned int)s >= ARRAY_SIZE(status_names))
		return "unknown";
	return status_names[s];
}

int results_status_parse(const char *s, enum results_status *out)
{
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(status_names); i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum results_status)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int results_uuid_v4(char out[37])
{
	uint8_t b[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(b)) {
		n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
	return 0;
}

int results_run_init(struct results_run *run)
{
	memset(run, 0, sizeof(*run));
	run->load1 = -1.0; /* 0 is a real load: start from "unknown" */
	run->measure_start_us = -1;
	return results_uuid_v4(run->uuid);
}

int results_run_set_str(char **field, const char *value)
{
	char *copy = NULL;

	if (value) {
		copy = strdup(value);
		if (!copy)
			return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

static int results_kv_add(struct results_kv **arr, size_t *n, const char *key,
			  const char *value)
{
	struct results_kv *p = array_grow(*arr, *n, sizeof(**arr));

	if (!p)
		return -ENOMEM;
	*arr = p;
	p += *n;
	if (results_run_set_str(&p->key, key) < 0 || results_run_set_str(&p->value, value) < 0) {
		free(p->key);
		free(p->value);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int results_run_add_tag(struct results_run *run, const char *key, const char *value)
{
	return results_kv_add(&run->tags, &run->n_tags, key, value);
}

int results_run_add_noise(struct results_run *run, const char *key, const char *value)
{
	return results_kv_add(&run->noise, &run->n_noise, key, value);
}

int results_run_add_metric(struct results_run *run, const char *name, double value)
{
	struct results_metric *p = array_grow(run->metrics, run->n_metrics, sizeof(*p));

	if (!p)
		return -ENOMEM;
	run->metrics = p;
	p += run->n_metrics;
	if (results_run_set_str(&p->name, name) < 0)
		return -ENOMEM;
	p->value = value;
	run->n_metrics++;
	return 0;
}

int results_run_add_interval(struct results_run *run, const struct telemetry_interval *iv)
{
	struct telemetry_interval *p = array_grow(run->intervals, run->n_intervals, sizeof(*p));

	if (!p)
		return -ENOMEM;
	run->intervals = p;
	p[run->n_intervals++] = *iv;
	return 0;
}

int results_run_add_timed_event(struct results_run *run, const struct telemetry_timed_event *e)
{
	struct telemetry_timed_event *p =
		array_grow(run->timed_events, run->n_timed_events, sizeof(*p));

	if (!p)
		return -ENOMEM;
	run->timed_events = p;
	p[run->n_timed_events++] = *e;
	return 0;
}

int results_run_add_mib(struct results_run *run, const char *role, const char *counter,
			int64_t delta)
{
	struct results_mib *p = array_grow(run->mibs, run->n_mibs, sizeof(*p));

	if (!p)
		return -ENOMEM;
	run->mibs = p;
	p += run->n_mibs;
	if (results_run_set_str(&p->netns_role, role) < 0 ||
	    results_run_set_str(&p->counter, counter) < 0) {
		free(p->netns_role);
		free(p->counter);
		return -ENOMEM;
	}
	p->delta = delta;
	run->n_mibs++;
	return 0;
}

int results_run_add_subflow(struct results_run *run, const struct results_subflow *sf)
{
	struct results_subflow *p = array_grow(run->subflows, run->n_subflows, sizeof(*p));

	if (!p)
		return -ENOMEM;
	run->subflows = p;
	p += run->n_subflows;
	*p = *sf;
	p->local = NULL;
	p->remote = NULL;
	if (results_run_set_str(&p->local, sf->local) < 0 ||
	    results_run_set_str(&p->remote, sf->remote) < 0) {
		free(p->local);
		free(p->remote);
		return -ENOMEM;
	}
	run->n_subflows++;
	return 0;
}

const struct results_metric *results_run_metric(const struct results_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->n_metrics; i++)
		if (run->metrics[i].name && strcmp(run->metrics[i].name, name) == 0)
			return &run->metrics[i];
	return NULL;
}

static void results_kv_free(struct results_kv *arr, size_t n)
{
	size_t i;

	for (i = 0; arr && i < n; i++) {
		free(arr[i].key);
		free(arr[i].value);
	}
	free(arr);
}

void results_run_release(struct results_run *run)
{
	size_t i;

	if (!run)
		return;
	free(run->scenario);
	free(run->scenario_hash);
	free(run->topology);
	free(run->topology_hash);
	free(run->variant_json);
	free(run->variant_key);
	free(run->reason);
	free(run->engine);
	free(run->engine_version);
	free(run->mptcp_method);
	free(run->host.hostname);
	free(run->host.cpu_model);
	free(run->host.governor);
	free(run->kernel.release);
	free(run->kernel.version);
	free(run->kernel.config_hash);
	free(run->kernel.debug);
	free(run->kernel.boot_mode);
	results_kv_free(run->tags, run->n_tags);
	results_kv_free(run->noise, run->n_noise);
	for (i = 0; run->metrics && i < run->n_metrics; i++)
		free(run->metrics[i].name);
	free(run->metrics);
	free(run->intervals);
	for (i = 0; run->mibs && i < run->n_mibs; i++) {
		free(run->mibs[i].netns_role);
		free(run->mibs[i].counter);
	}
	free(run->mibs);
	for (i = 0; run->subflows && i < run->n_subflows; i++) {
		free(run->subflows[i].local);
		free(run->subflows[i].remote);
	}
	free(run->subflows);
	free(run->timed_events);
	telemetry_release(&run->telem);
	/* a second release, or a release after a failed init, is harmless */
	memset(run, 0, sizeof(*run));
}
