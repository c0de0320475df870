#!/usr/bin/env python3
"""grafana_dashboard.py: the two halves of tests/cli/grafana_dashboard.sh
that are easier in Python than in shell (standard library only).

  gen DB NOW_S
      write synthetic runs into DB (created by mptcp-lab with its schema)
      with sqlite3, as an independent writer of the documented schema, and
      print the nights' facts the shell needs as JSON.
  check VM_URL DB QUERIES FACTS VERDICTS
      run every query of the dashboard (QUERIES: extracted from its JSON by
      jq) against VictoriaMetrics the way Grafana does (variables, $__range,
      $__interval, ad hoc filters, annotation steps) in several selections,
      and compare each answer, value by value, with what the database's
      runs and the verdicts (VERDICTS: from `compare --format json` and
      `trend --format json`) say it must be. A query the checker has no
      expectation for fails, as does an expectation without a query.

Printed as TAP-like "ok - ..." / "not ok - ..." lines; exit 1 on a failure.
"""
import json
import math
import random
import re
import sqlite3
import statistics
import sys
import urllib.parse
import urllib.request

HOSTS = ["lab-a", "lab-b.example"]
NIGHTS = 24  # the last is "tonight"; a trend sees a 3-night regime in 24
STEP = 3600  # the panels' minimum interval, and the annotations' step
SERIES = [  # scenario, variant key, goodput in bit/s, ideal
    ("smoke", "", 94.0e6, 95.0e6),
    ("two-path", "cc=bbr", 76.0e6, 80.0e6),
    ("two-path", "cc=cubic", 74.0e6, 80.0e6),
]
REPS = 6
RUN_SPACING_S = 30


def night_start(now_s, k):
    """Night k's first run: 5 minutes into the hour that starts 3 h before
    the current hour, NIGHTS - 1 - k days before: a night's runs stay inside one
    hour-long interval, and every night is its own UTC date."""
    hour = now_s // 3600 * 3600
    return hour - (NIGHTS - 1 - k) * 86400 - 3 * 3600 + 300


def kernel_of(host, k):
    # lab-a moves to a new kernel tonight, lab-b three nights ago
    if host == "lab-a":
        return "6.19.0-rc1" if k == NIGHTS - 1 else "6.18.0-mpl"
    return "6.19.0-rc1" if k >= NIGHTS - 3 else "6.18.0-mpl"


def factor_of(host, scenario, variant, k):
    """The planted changes: lab-a's two-path cc=bbr loses 8 % tonight (the
    comparison's regression), lab-b's two-path cc=cubic gains 6 % tonight
    (an improvement), lab-b's smoke loses 10 % three nights ago (a new
    regime tonight, for the trend)."""
    if host == "lab-a" and variant == "cc=bbr" and k == NIGHTS - 1:
        return 0.92
    if host == "lab-b.example" and variant == "cc=cubic" and k == NIGHTS - 1:
        return 1.06
    if host == "lab-b.example" and scenario == "smoke" and k >= NIGHTS - 3:
        return 0.90
    return 1.0


def gen(db_path, now_s):
    rnd = random.Random(15)
    db = sqlite3.connect(db_path)
    facts = {"nights": [], "tonight": {}}
    n = 0
    with db:
        for host in HOSTS:
            db.execute("INSERT OR IGNORE INTO hosts (hostname, cpu_model, cores, governor) "
                       "VALUES (?, 'cpu', 2, '')", (host,))
            for k in range(NIGHTS):
                kernel = kernel_of(host, k)
                db.execute("INSERT OR IGNORE INTO kernels (release, version, config_hash, debug, "
                           "boot_mode) VALUES (?, 'v', '', '', 'bare-metal')", (kernel,))
                t = night_start(now_s, k)
                night_id = "n%d-%s" % (k, host)
                first = t
                for rep in range(1, REPS + 1):
                    for scenario, variant, goodput, ideal in SERIES:
                        n += 1
                        status = "ok"
                        # not every run is ok: one failed run of lab-a's
                        # night 3 (no figure), two skipped of lab-b's
                        # yesterday, and two invalid runs of lab-a's smoke
                        # tonight with a figure (never a measurement: the
                        # panels take ok runs only; 4 ok runs are too few
                        # for a verdict, so smoke is inconclusive there)
                        if host == "lab-a" and k == 3 and rep == 2 and scenario == "smoke":
                            status = "failed"
                        if host == "lab-b.example" and k == NIGHTS - 2 and rep <= 2 and variant == "cc=cubic":
                            status = "skipped"
                        if host == "lab-a" and k == NIGHTS - 1 and rep in (3, 4) and scenario == "smoke":
                            status = "invalid"
                        g = goodput * factor_of(host, scenario, variant, k) * (1 + rnd.gauss(0, 0.004))
                        g = round(g, 3)
                        cur = db.execute(
                            "INSERT INTO runs (uuid, scenario, variant_key, variant_json, repetition, "
                            "started_at_us, finished_at_us, status, host_id, kernel_id) VALUES "
                            "(?, ?, ?, '{}', ?, ?, ?, ?, (SELECT id FROM hosts WHERE hostname = ?), "
                            "(SELECT id FROM kernels WHERE release = ?))",
                            ("00000000-0000-4000-8000-%012d" % n, scenario, variant, rep,
                             t * 1000000, (t + 20) * 1000000, status, host, kernel))
                        run_id = cur.lastrowid
                        db.execute("INSERT INTO tags (run_id, key, value) VALUES (?, 'nightly', ?)",
                                   (run_id, night_id))
                        if status != "failed" and status != "skipped":
                            db.execute("INSERT INTO metrics (run_id, name, value) VALUES "
                                       "(?, 'goodput_bps', ?)", (run_id, g))
                            db.execute("INSERT INTO metrics (run_id, name, value) VALUES "
                                       "(?, 'efficiency', ?)", (run_id, round(g / ideal, 9)))
                        t += RUN_SPACING_S
                facts["nights"].append({"host": host, "night": k, "id": night_id,
                                        "first_us": first * 1000000, "last_s": t})
                if k == NIGHTS - 1:
                    # the verdicts are given a minute after the last run
                    facts["tonight"][host] = {"tag": "nightly=" + night_id, "kernel": kernel,
                                              "until_us": first * 1000000,
                                              "at_us": (t + 60) * 1000000}
    db.close()
    json.dump(facts, sys.stdout)


# ---- the checker ----------------------------------------------------------

failures = 0


def report(ok, what, detail=""):
    global failures
    print(("ok - " if ok else "not ok - ") + what)
    if not ok:
        failures += 1
        for line in detail.splitlines()[:40]:
            print("#   " + line)


def load_runs(db_path):
    db = sqlite3.connect(db_path)
    runs = []
    for rid, host, kernel, scenario, variant, status, t_us in db.execute(
            "SELECT r.id, h.hostname, k.release, r.scenario, r.variant_key, r.status, "
            "r.started_at_us FROM runs r JOIN hosts h ON h.id = r.host_id "
            "JOIN kernels k ON k.id = r.kernel_id"):
        metrics = dict(db.execute("SELECT name, value FROM metrics WHERE run_id = ?", (rid,)))
        runs.append({"host": host, "kernel": kernel, "scenario": scenario, "variant": variant or "",
                     "status": status, "t": t_us / 1e6, "metrics": metrics})
    db.close()
    return runs


def axes(variant):
    return dict(kv.split("=", 1) for kv in variant.split(",") if kv) if variant else {}


def series_labels(item, extra):
    """The labels VictoriaMetrics gives a pushed series: the series tags,
    the variant's axes, and the measurement's own (empty values left out)."""
    labels = {"host": item["host"], "kernel": item["kernel"], "scenario": item["scenario"],
              "variant": item["variant"]}
    labels.update(axes(item["variant"]))
    labels.update(extra)
    return {k: v for k, v in labels.items() if v not in ("", None)}


def load_verdicts(path):
    """The verdict points the nightly step must have pushed, from the
    JSON the comparison and the trend printed (independent of the line
    writer): every compare series, the trend series that start a new
    regime. A field JSON has as null is not pushed; None here means the
    JSON does not say (the trend's CI): not checked."""
    spec = json.load(open(path))
    out = []
    for host, v in spec.items():
        cmp = json.load(open(v["compare"]))
        for s in cmp["series"]:
            def rel(x):
                return x - 1 if x is not None else "absent"
            ci = s["ci95"]
            out.append({"host": host, "kernel": v["kernel"], "scenario": s["scenario"],
                        "variant": s["variant"] or "", "metric": s["metric"], "verdict": s["verdict"],
                        "check": "compare", "t": v["at_us"] / 1e6,
                        "fields": {"change": rel(s["ratio"]), "ci_lo": rel(ci[0]), "ci_hi": rel(ci[1]),
                                   "p_adjusted": s["p_adjusted"] if s["p_adjusted"] is not None else "absent",
                                   "n_baseline": s["n_baseline"], "n_candidate": s["n_candidate"]}})
        tr = json.load(open(v["trend"]))
        for s in tr["series"]:
            if not s["new_regime"]:
                continue
            cps = [c["index"] for c in s["change_points"]]
            last = cps[-1] if cps else 0
            prev = cps[-2] if len(cps) > 1 else 0
            out.append({"host": host, "kernel": v["kernel"], "scenario": s["scenario"],
                        "variant": s["variant_key"] or "", "metric": s["metric"], "verdict": s["verdict"],
                        "check": "trend", "t": v["at_us"] / 1e6,
                        "fields": {"change": s["ratio"] - 1 if s["ratio"] is not None else "absent",
                                   "ci_lo": None, "ci_hi": None,
                                   # a change point's p is E-divisive's permutation p, not an
                                   # adjusted p: the point carries it as p, p_adjusted is absent
                                   "p_adjusted": "absent",
                                   "n_baseline": last - prev, "n_candidate": s["points"] - last}})
    return out


class Selection:
    """What Grafana would send: the variables' values (None: All), ad hoc
    filters, the time range (start aligned to the step, as Grafana does)."""

    def __init__(self, name, now_s, hours, variables=None, adhoc=None):
        self.name = name
        self.end = now_s
        self.start = (now_s - hours * 3600) // STEP * STEP
        self.vars = variables or {}
        self.adhoc = adhoc or {}

    def wants(self, item):
        for var in ("host", "kernel", "scenario", "variant"):
            values = self.vars.get(var)
            if values is not None and item[var] not in values:
                return False
        ax = axes(item["variant"])
        return all(ax.get(k) == v for k, v in self.adhoc.items())

    def in_range(self, item):
        return self.start < item["t"] <= self.end

    @staticmethod
    def regex(values):
        # Grafana escapes regex metacharacters, and the backslash again for
        # the PromQL string; several values become an alternation
        esc = [re.sub(r'([\\^$*+?.()|{}\[\]])', r'\\\\\1', v) for v in values]
        return esc[0] if len(esc) == 1 else "(" + "|".join(esc) + ")"

    def interpolate(self, expr):
        expr = expr.replace("$__interval", "%ds" % STEP).replace("$__range", "%ds" % (self.end - self.start))
        for var in ("host", "kernel", "scenario", "variant"):
            values = self.vars.get(var)
            expr = expr.replace("$" + var, ".*" if values is None else self.regex(values))
        for k, v in self.adhoc.items():
            # Grafana adds an ad hoc filter to every selector
            expr = expr.replace('host=~"', '%s="%s",host=~"' % (k, v))
        return expr


class VM:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path, params):
        data = urllib.parse.urlencode(params, doseq=True).encode()
        with urllib.request.urlopen(self.url + path, data=data, timeout=30) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError(json.dumps(body)[:500])
        return body["data"]

    def range(self, expr, sel, step=STEP):
        return self.get("/api/v1/query_range", {"query": expr, "start": sel.start, "end": sel.end,
                                                 "step": step, "nocache": 1})["result"]

    def instant(self, expr, sel):
        return self.get("/api/v1/query", {"query": expr, "time": sel.end, "nocache": 1})["result"]


def key(labels, keep=None, drop=()):
    items = {k: v for k, v in labels.items() if k != "__name__" and k not in drop}
    if keep is not None:
        items = {k: v for k, v in items.items() if k in keep}
    return tuple(sorted(items.items()))


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def compare_maps(want, got):
    """want, got: {series key: value or {t: value}}; None in want: any
    value, "absent": no value. Returns the differences, in words."""
    diffs = []
    for k in sorted(set(want) | set(got), key=str):
        w, g = want.get(k, "absent"), got.get(k, "absent")
        if isinstance(w, set) or isinstance(g, set):
            if w != g:
                diffs.append("%s: want %s, got %s" % (dict(k), sorted(w) if isinstance(w, set) else w,
                                                      sorted(g) if isinstance(g, set) else g))
        elif isinstance(w, dict) or isinstance(g, dict):
            w = w if isinstance(w, dict) else {}
            g = g if isinstance(g, dict) else {}
            for t in sorted(set(w) | set(g)):
                if t not in w or t not in g or not close(w[t], g[t]):
                    diffs.append("%s at %s: want %s, got %s" % (dict(k), t, w.get(t, "nothing"),
                                                                g.get(t, "nothing")))
        elif w is None:
            continue
        elif w == "absent" or g == "absent":
            if w != g:
                diffs.append("%s: want %s, got %s" % (dict(k), w, g))
        elif not close(w, g):
            diffs.append("%s: want %r, got %r" % (dict(k), w, g))
    return diffs


# --- what each query must answer, from the database and the verdicts --------

def windows(sel):
    """Grafana's steps for a range query: (t - step, t] for t from the
    aligned start to the end."""
    t = sel.start
    while t <= sel.end:
        yield t
        t += STEP


def per_window(items, sel, group, value):
    """{group key: {t: value(items in (t - step, t])}} for the windows with
    items."""
    out = {}
    for t in windows(sel):
        groups = {}
        for it in items:
            if t - STEP < it["t"] <= t:
                groups.setdefault(group(it), []).append(it)
        for g, its in groups.items():
            out.setdefault(g, {})[t] = value(its)
    return out


def over_range(items, sel, group, value):
    groups = {}
    for it in items:
        if sel.in_range(it):
            groups.setdefault(group(it), []).append(it)
    return {g: value(its) for g, its in groups.items()}


def ok_runs(runs, sel, metric):
    return [dict(r, v=r["metrics"][metric]) for r in runs
            if r["status"] == "ok" and metric in r["metrics"] and sel.wants(r)]


def run_series(r):
    return key(series_labels(r, {"status": r["status"]}))


def by(*names):
    def g(it):
        return key(series_labels(it, {"status": it.get("status"), "metric": it.get("metric"),
                                      "verdict": it.get("verdict"), "check": it.get("check")}),
                   keep=names)
    return g


def median(its):
    return statistics.median(i["v"] for i in its)


def spread(its):
    vs = [i["v"] for i in its]
    return (max(vs) - min(vs)) / statistics.median(vs)


def verdict_series(v):
    return key(series_labels(v, {"metric": v["metric"], "verdict": v["verdict"], "check": v["check"]}))


def field(name):
    def f(its):
        # one point per series key and night: the latest is the only one
        latest = max(its, key=lambda i: i["t"])
        return latest["fields"][name]
    return f


def expectations(runs, verdicts, sel):
    """{(panel title, refId): (kind, expected)}; kind "range" answers
    {series: {t: v}}, "instant" {series: v}."""
    g = "Goodput: median of the runs in each interval"
    e = "Efficiency: median of the runs in each interval"
    sp = "Goodput spread: (max - min) / median in each interval"
    tab = "Per host, kernel, scenario and variant over the time range"
    hkv = by("host", "kernel", "scenario", "variant")
    good, eff = ok_runs(runs, sel, "goodput_bps"), ok_runs(runs, sel, "efficiency")
    every = [r for r in runs if sel.wants(r)]
    vs = [v for v in verdicts if sel.wants(v)]
    cmp_vs = [v for v in vs if v["check"] == "compare"]
    trend_vs = [v for v in vs if v["check"] == "trend"]
    vkey = by("host", "kernel", "scenario", "variant", "metric", "check", "verdict")
    want = {
        (g, "A"): ("range", per_window(good, sel, run_series, median)),
        (e, "A"): ("range", per_window(eff, sel, run_series, median)),
        (sp, "A"): ("range", per_window(good, sel, run_series, spread)),
        (tab, "A"): ("instant", over_range(good, sel, hkv, median)),
        (tab, "B"): ("instant", over_range(good, sel, hkv, lambda its: min(i["v"] for i in its))),
        (tab, "C"): ("instant", over_range(good, sel, hkv, lambda its: max(i["v"] for i in its))),
        (tab, "D"): ("instant", over_range(eff, sel, hkv, median)),
        (tab, "E"): ("instant", over_range(good, sel, hkv, len)),
        ("Runs by status in each interval", "A"):
            ("range", per_window(every, sel, by("status"), len)),
        ("Runs by host and status over the time range", "A"):
            ("instant", over_range(every, sel, by("host", "status"), len)),
        ("Change tonight against the history (the comparison's verdicts)", "A"):
            ("range", per_window(cmp_vs, sel,
                                 lambda v: key(series_labels(v, {"metric": v["metric"], "check": v["check"]}),
                                               drop=("kernel",)),
                                 lambda its: max(i["fields"]["change"] for i in its))),
        ("Verdicts in each interval", "A"): ("range", per_window(cmp_vs, sel, by("verdict"), len)),
        ("Verdicts in each interval", "B"): ("range", per_window(trend_vs, sel, by("verdict"), len)),
    }
    vt = "Verdicts in the time range (the latest of each kind per series)"
    want[(vt, "A")] = ("instant", over_range(vs, sel, vkey, lambda its: max(i["t"] for i in its) * 1000))
    for ref, name in zip("BCDEFG", ("change", "ci_lo", "ci_hi", "p_adjusted", "n_baseline", "n_candidate")):
        want[(vt, ref)] = ("instant", over_range(vs, sel, vkey, field(name)))
    for name, verdict in (("Regressions", "regression"), ("Improvements", "improvement"),
                          ("Inconclusive", "inconclusive")):
        times = {}
        for v in vs:
            if v["verdict"] == verdict and sel.in_range(v):
                times.setdefault(verdict_series(v), set()).add(round(v["t"] * 1000))
        want[("annotation " + name, "Anno")] = ("annotation", times)
    return want


def answer(vm, q, sel):
    """The query's answer in the shape of its expectation."""
    expr = sel.interpolate(q["expr"])
    if q["kind"] == "annotation":
        times = {}
        for s in vm.range(expr, sel, step=int(q["step_s"])):
            for t, v in s["values"]:
                # Grafana puts the annotation at the value (useValueForTime)
                times.setdefault(key(s["metric"]), set()).add(round(float(v)))
        return times
    if q["kind"] == "instant":
        return {key(s["metric"]): float(s["value"][1]) for s in vm.instant(expr, sel)}
    return {key(s["metric"]): {int(t): float(v) for t, v in s["values"]} for s in vm.range(expr, sel)}


def check_variables(vm, queries, runs, sel):
    for q in queries:
        if q["kind"] != "variable":
            continue
        m = re.fullmatch(r'label_values\((.*), *(\w+)\)', q["expr"])
        if not m:
            report(False, "%s: a label_values() query (%s)" % (q["where"], q["expr"]))
            continue
        # the variables chain: each is asked with the ones its query names
        # (ad hoc filters are left to the panels)
        used = Selection(sel.name, sel.end, 0, {v: vals for v, vals in sel.vars.items()
                                                  if "$" + v in q["expr"]})
        match, label = used.interpolate(m.group(1)), m.group(2)
        got = sorted(vm.get("/api/v1/label/%s/values" % label,
                            {"match[]": match, "start": sel.start, "end": sel.end}))
        want = sorted({r[label] for r in runs if r[label] and used.wants(r) and sel.in_range(r)})
        report(got == want and len(want) > 0, "%s [%s]: %s" % (q["where"], sel.name, got),
               "want %s" % want)


def check(vm_url, db_path, queries_path, facts_path, verdicts_path):
    runs = load_runs(db_path)
    verdicts = load_verdicts(verdicts_path)
    facts = json.load(open(facts_path))
    queries = json.load(open(queries_path))
    vm = VM(vm_url)
    now = max(n["last_s"] for n in facts["nights"]) + 3600
    report(any(v["verdict"] == "regression" and v["check"] == "compare" for v in verdicts) and
           any(v["check"] == "trend" for v in verdicts),
           "the data gives a regression to annotate and a new trend regime (%d verdicts)" % len(verdicts))
    sels = [
        Selection("everything, 25 days", now, 25 * 24),
        Selection("lab-b.example on 6.19.0-rc1", now, 25 * 24,
                  {"host": ["lab-b.example"], "kernel": ["6.19.0-rc1"]}),
        Selection("two-path cc=bbr, the last 30 h", now, 30,
                  {"scenario": ["two-path"], "variant": ["cc=bbr"]}),
        Selection("both hosts, ad hoc cc=cubic", now, 25 * 24,
                  {"host": ["lab-a", "lab-b.example"]}, {"cc": "cubic"}),
    ]
    known = set(expectations(runs, verdicts, sels[0]))
    asked = {(q["title"], q["ref"]) for q in queries if q["kind"] != "variable"}
    report(asked == known, "the checker knows every query of the dashboard (%d) and no other" % len(asked),
           "not checked: %s\nno such query: %s" % (sorted(asked - known), sorted(known - asked)))
    seen = {}
    for sel in sels:
        want_all = expectations(runs, verdicts, sel)
        for q in queries:
            if q["kind"] == "variable":
                continue
            kind, want = want_all.get((q["title"], q["ref"]), (None, None))
            if want is None:
                continue
            try:
                got = answer(vm, q, sel)
            except Exception as ex:  # an error of VictoriaMetrics is a failure too
                report(False, "%s [%s]: the query runs" % (q["where"], sel.name), str(ex))
                continue
            diffs = compare_maps(want, got)
            points = sum(len(v) if isinstance(v, (dict, set)) else 1 for v in want.values())
            seen[(q["title"], q["ref"])] = seen.get((q["title"], q["ref"]), 0) + points
            report(not diffs, "%s [%s]: %d series, %d values" % (q["where"], sel.name, len(want), points),
                   "\n".join(diffs) + "\nquery: " + sel.interpolate(q["expr"]))
        if sel.end - sel.start > 2 * 86400:
            check_variables(vm, queries, runs, sel)
    empty = sorted("%s/%s" % k for k in known if not seen.get(k))
    report(not empty, "every query answered pushed data in some selection", "never: %s" % empty)
    print("# %d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    if len(sys.argv) == 7 and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    sys.exit(64)
