/*
 * pages_out.c: how a report reaches its directory (pages_int.h). Every
 * chart of a report is queued in one gnuplot batch (charts.h) while the
 * pages are composed in memory; once the batch is drawn, each page is
 * written with its figures resolved: the image of a chart that was drawn,
 * or the reason of one that was not. One chart gnuplot cannot draw costs
 * its own figure, never the page or the other charts.
 *
 * It decides nothing a page says, and computes nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtime.h"
#include "pages_int.h"

/* The figure placeholder: FIG_BEGIN <chart> [FIG_SMALL] FIG_MID <html of
 * the image> FIG_END. */
#define FIG_BEGIN '\001'
#define FIG_MID '\002'
#define FIG_END '\003'
#define FIG_SMALL 's'

/* The directory at path, made if missing; -ENOTDIR when something else
 * is there. */
static int pages_mkdir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int pages_out_open(struct pages_out *o, const char *dir, const struct report_pages_observer *obs,
		   struct diag *d)
{
	char charts[PATH_MAX];
	int r;

	o->dir = dir;
	o->obs = obs;
	r = pages_mkdir(dir);
	if (r == 0 && xsnprintf(charts, sizeof(charts), "%s/charts", dir) < 0)
		r = -ENAMETOOLONG;
	if (r < 0)
		return diag_set(d, r, "cannot create '%s': %s", dir, strerror(-r));
	r = pages_mkdir(charts);
	if (r < 0)
		return diag_set(d, r, "cannot create '%s': %s", charts, strerror(-r));
	return chart_batch_new(dir, &o->batch, d);
}

void pages_out_close(struct pages_out *o)
{
	chart_batch_free(o->batch);
	o->batch = NULL;
}

int pages_chart(struct pages_out *o, const struct chart_spec *c, const char *base)
{
	struct chart_spec spec = *c;
	struct diag d = DIAG_INIT;
	uint64_t t0 = mtime_now_us();
	int i;

	spec.png |= o->png;
	i = chart_batch_add(o->batch, &spec, base, &d);
	o->chart_us += mtime_now_us() - t0;
	return i < 0 ? -1 : i;
}

int pages_draw(struct pages_out *o, struct diag *d)
{
	uint64_t t0 = mtime_now_us();
	size_t failed = 0;
	int r;

	r = chart_batch_draw(o->batch, d);
	o->chart_us += mtime_now_us() - t0;
	for (size_t i = 0; i < chart_batch_count(o->batch); i++) {
		const char *why;

		if (chart_batch_status(o->batch, i, &why) == 0)
			continue;
		failed++;
		if (o->obs && o->obs->chart_failed)
			o->obs->chart_failed(o->obs->ctx, failed, why);
	}
	/* gnuplot missing is a note in every figure, not a failed report */
	if (r == -ENOENT)
		diag_clear(d);
	return r == -ENOENT ? 0 : r;
}

bool pages_chart_ok(const struct pages_out *o, int chart)
{
	return chart >= 0 && chart_batch_status(o->batch, (size_t)chart, NULL) == 0;
}

static void pages_figure_of(FILE *f, int chart, bool small, const char *base, const char *cls,
			    const char *alt)
{
	fprintf(f, "%c%d%s%c<a href=\"%s.svg\"><img class=\"%s\" src=\"%s.svg\" alt=\"", FIG_BEGIN,
		chart, small ? "s" : "", FIG_MID, base, cls, base);
	html_attr(f, alt);
	fprintf(f, "\"></a>%c", FIG_END);
}

void pages_figure(FILE *f, int chart, const char *base, const char *cls, const char *alt)
{
	pages_figure_of(f, chart, false, base, cls, alt);
}

void pages_figure_small(FILE *f, int chart, const char *base, const char *cls, const char *alt)
{
	pages_figure_of(f, chart, true, base, cls, alt);
}

int pages_doc_open(struct pages_doc *doc, const char *name, const char *title)
{
	memset(doc, 0, sizeof(*doc));
	if (xsnprintf(doc->name, sizeof(doc->name), "%s", name) < 0)
		return -ENAMETOOLONG;
	doc->f = open_memstream(&doc->buf, &doc->len);
	if (!doc->f)
		return -ENOMEM;
	return html_page_begin(doc->f, title);
}

int pages_scenario_open(struct pages_doc *doc, const char *prefix, const char *slug,
			const char *scenario, const char *title_prefix, const char *h1_suffix)
{
	char name[HTML_SLUG_MAX + 32], title[300];
	int ret;

	snprintf(name, sizeof(name), "%s-%s.html", prefix, slug);
	snprintf(title, sizeof(title), "%s: %s", title_prefix, scenario);
	ret = pages_doc_open(doc, name, title);
	if (ret < 0)
		return ret;
	fputs("<p><a href=\"index.html\">&larr; all series</a></p>\n<h1>Scenario ", doc->f);
	html_text(doc->f, scenario);
	fprintf(doc->f, "%s</h1>\n", h1_suffix);
	return ferror(doc->f) ? -EIO : 0;
}

void pages_counts_html(FILE *f, const size_t *counts)
{
	fprintf(f, "<p class=\"summary\"><span class=\"regression\">%zu regressions</span>"
		   "<span class=\"improvement\">%zu improvements</span>"
		   "<span class=\"inconclusive\">%zu inconclusive</span>"
		   "<span class=\"no-change\">%zu no change</span></p>\n",
		counts[COMPARE_REGRESSION], counts[COMPARE_IMPROVEMENT],
		counts[COMPARE_INCONCLUSIVE], counts[COMPARE_NO_CHANGE]);
}

void pages_doc_release(struct pages_doc *doc)
{
	if (doc->f)
		fclose(doc->f);
	free(doc->buf);
	memset(doc, 0, sizeof(*doc));
}

/* Write buf to f with every figure resolved. */
static void pages_doc_resolve(FILE *f, const char *buf, size_t len, const struct pages_out *o)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *fig = memchr(p, FIG_BEGIN, (size_t)(end - p));
		const char *mid, *stop, *why = "not drawn";
		bool small;
		long chart;
		char *num_end;

		if (!fig) {
			fwrite(p, 1, (size_t)(end - p), f);
			return;
		}
		fwrite(p, 1, (size_t)(fig - p), f);
		mid = memchr(fig, FIG_MID, (size_t)(end - fig));
		stop = mid ? memchr(mid, FIG_END, (size_t)(end - mid)) : NULL;
		if (!stop)
			return; /* cannot happen: pages_figure writes all three */
		chart = strtol(fig + 1, &num_end, 10);
		small = *num_end == FIG_SMALL;
		if (chart >= 0 && chart_batch_status(o->batch, (size_t)chart, &why) == 0) {
			fwrite(mid + 1, 1, (size_t)(stop - mid - 1), f);
		} else if (small) {
			fputs("<span class=\"note\" title=\"", f);
			html_attr(f, why);
			fputs("\">no chart</span>", f);
		} else {
			fputs("<p class=\"note\">chart not drawn: ", f);
			html_text(f, chart < 0 ? "out of memory" : why);
			fputs("</p>", f);
		}
		p = stop + 1;
	}
}

int pages_doc_part(struct pages_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	doc->f = open_memstream(&doc->buf, &doc->len);
	return doc->f ? 0 : -ENOMEM;
}

static int pages_doc_close(struct pages_doc *doc)
{
	int ret = ferror(doc->f) ? -EIO : 0;

	if (fclose(doc->f) && !ret)
		ret = -ENOMEM;
	doc->f = NULL;
	return ret;
}

int pages_doc_finish(struct pages_doc *doc, struct pages_doc *tail, const struct pages_out *o)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int ret;

	if (!tail)
		html_page_end(doc->f);
	ret = pages_doc_close(doc);
	if (ret == 0 && tail) {
		html_page_end(tail->f);
		ret = pages_doc_close(tail);
	}
	if (ret)
		return ret;
	if (xsnprintf(path, sizeof(path), "%s/%s", o->dir, doc->name) < 0 ||
	    xsnprintf(tmp, sizeof(tmp), "%s/.%s.tmp", o->dir, doc->name) < 0)
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	pages_doc_resolve(f, doc->buf, doc->len, o);
	if (tail)
		pages_doc_resolve(f, tail->buf, tail->len, o);
	ret = ferror(f) ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
