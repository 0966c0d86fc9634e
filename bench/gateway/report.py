#!/usr/bin/python3
"""Prints the Markdown table of a run.sh run from its results.jsonl (one wrk JSON line a run).

  /usr/bin/python3 bench/gateway/report.py build/bench-gateway/<time>/results.jsonl
"""

import argparse
import datetime
import json
import os
import platform

ROWS = [("put", "put, -t2 -c16"), ("get", "get, -t2 -c16"), ("get-c1", "get, -t1 -c1"), ("query", "query, -t2 -c16")]
TARGETS = ("ddb", "dynalite")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def fmt_rps(r):
    return "{:,.0f}".format(r["rps"]) if r else "–"


def fmt_ms(r, key):
    return "%.2f" % (r[key] / 1000.0) if r else "–"


def ratio(a, b):
    if not a or not b:
        return "–"
    return "%.2f" % (a / b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--dynalite-version", default="?")
    args = ap.parse_args()
    res = {}
    with open(args.results) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                res[(r["target"], r.get("run", r["workload"]))] = r

    print()
    print(
        "ddb (3 nodes + ddb-gateway, SigV4 verified) vs dynalite %s (--path, LevelDB), %s, %d x %s, "
        "%d s per run, wrk replaying pre-signed requests; latency in ms"
        % (args.dynalite_version, datetime.datetime.utcnow().strftime("%Y-%m-%d"), os.cpu_count() or 0,
           cpu_model(), args.seconds)
    )
    print()
    print("| run | ddb req/s | dynalite req/s | ratio | ddb p50 | dynalite p50 | ratio | ddb p99 | dynalite p99 | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    notes = []
    inspected = all(r.get("inspected", True) for r in res.values())
    for run, label in ROWS:
        d, y = res.get(("ddb", run)), res.get(("dynalite", run))
        if not d and not y:
            continue
        cells = [label]
        cells += [fmt_rps(d), fmt_rps(y), ratio(d and d["rps"], y and y["rps"])]
        for key in ("p50_us", "p99_us"):
            cells += [fmt_ms(d, key), fmt_ms(y, key), ratio(d and d[key], y and y[key])]
        print("| " + " | ".join(cells) + " |")
        for t, r in (("ddb", d), ("dynalite", y)):
            if not r:
                continue
            sock = sum(r["socket_errors"].values())
            if r["non200"] or sock:
                if r.get("inspected", True):
                    notes.append("%s %s: %d non-200 of %d (%s), %d socket errors %s; first: %s"
                                 % (t, label, r["non200"], r["requests"], json.dumps(r["statuses"]), sock,
                                    json.dumps(r["socket_errors"]), r["first_error"]))
                else:
                    notes.append("%s %s: %d answers of status 400 or more of %d, %d socket errors %s "
                                 "(run.sh --inspect shows the statuses and the first body)"
                                 % (t, label, r["non200"], r["requests"], sock, json.dumps(r["socket_errors"])))
            if run == "put" and r["repeats"]:
                notes.append("%s %s: the request file wrapped, %d puts overwrote keys written earlier in the run"
                             % (t, label, r["repeats"]))
    print()
    print("ratio = ddb / dynalite (req/s: higher is better for ddb; latency: lower is better for ddb).")
    if notes:
        print()
        for n in notes:
            print("- " + n)
    elif inspected:
        print("Every request answered 200 (no non-200, no socket errors).")
    else:
        print("No answer with a status of 400 or more (wrk's count; --inspect checks every status) "
              "and no socket errors.")


if __name__ == "__main__":
    main()
