#!/usr/bin/env python3
"""Where one request's instructions go: reads a callgrind dump (`callgrind_annotate --inclusive=yes`)
and prints the inclusive cost of sgmock's request stages, per request.

    profile_breakdown.py DUMP REQUESTS [--json] [--top N]

`--top N` adds the N functions with the most instructions of their own (not their callees').

Instruction counts (not seconds) are repeatable for the same binary and inputs whatever else the
machine does, which is why scripts/profile uses them. A stage is the inclusive cost of the named
functions (the largest entry when inlining lists one function under several files); "other" is
what is left: tokio's scheduler, axum's routing, the socket calls.
"""
import json
import re
import subprocess
import sys

# (stage, function names whose inclusive cost it is). Order matters only for printing.
STAGES = [
    ("HTTP: read and parse the request", ["hyper::proto::h1::io::Buffered<T,B>::poll_read_from_io",
                                          "hyper::proto::h1::io::Buffered<T,B>::parse"]),
    ("decode the parameters", ["sgmock::rpc::request::RpcRequest::decode"]),
    ("the action (parse, store, render)", ["sgmock::products::Prepared::run"]),
    ("  of which the store's write", ["sgmock::domain::store::Store::write"]),
    ("the log line (tracing)", ["sgmock::products::log"]),
    ("the request log (copy, redact, push)", ["sgmock::requests::redact", "sgmock::requests::RequestLog::push"]),
    ("drop the request's data", ["core::ptr::drop_in_place<sgmock::rpc::request::RpcRequest>",
                                 "core::ptr::drop_in_place<sgmock::requests::Entry>"]),
    ("HTTP: write the answer", ["hyper::proto::h1::io::Buffered<T,B>::poll_flush",
                                "<hyper::proto::h1::role::Server as hyper::proto::h1::Http1Transaction>::encode"]),
]

LINE = re.compile(r"^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)$")


def inclusive(dump):
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", dump],
                         capture_output=True, text=True, check=True).stdout
    costs = {}
    total = None
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        cost = int(m.group(1).replace(",", ""))
        what = m.group(2)
        if what.startswith("PROGRAM TOTALS"):
            total = cost
            continue
        # "file:function [object]" -> function
        fn = what.split(" [")[0]
        fn = fn.split(":", 1)[1] if ":" in fn and not fn.startswith("<") else fn
        costs[fn] = max(costs.get(fn, 0), cost)
    return total or 0, costs


def stage_cost(costs, names):
    total = 0
    for name in names:
        total += max((c for fn, c in costs.items() if fn.endswith(name) or fn.endswith(name + "'2")), default=0)
    return total


def self_costs(dump):
    """Each function's own instructions, read from the dump itself (name compression resolved)."""
    names = {}

    def name(kind, v):
        m = re.match(r"\((\d+)\)(?: (.*))?", v)
        if not m:
            return v
        key = (kind, m.group(1))
        if m.group(2):
            names[key] = m.group(2)
        return names.get(key, v)

    costs = {}
    fn = None
    after_call = False
    with open(dump, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("fn="):
                fn = name("fn", line[3:])
            elif line.startswith("cfn="):
                name("fn", line[4:])
            elif line.startswith(("fl=", "fi=", "fe=", "cfi=", "cfl=", "ob=", "cob=")):
                key, value = line.split("=", 1)
                name("ob" if key.endswith("ob") else "fl", value)
            elif line.startswith("calls="):
                after_call = True  # the next cost line is the callee's, not this function's
            elif line and (line[0].isdigit() or line[0] in "+-*"):
                if after_call:
                    after_call = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and fn:
                    costs[fn] = costs.get(fn, 0) + int(parts[1])
    return costs


def main():
    dump, requests = sys.argv[1], int(sys.argv[2])
    total, costs = inclusive(dump)
    rows = []
    counted = 0
    for stage, names in STAGES:
        c = stage_cost(costs, names)
        if not stage.startswith("  "):
            counted += c
        rows.append((stage, c / requests))
    rows.append(("other (scheduler, routing, sockets)", max(total - counted, 0) / requests))
    rows.append(("total", total / requests))
    if "--json" in sys.argv:
        print(json.dumps({stage.strip(): round(v) for stage, v in rows}))
        return
    for stage, v in rows:
        share = 100 * v / (total / requests) if total else 0
        print(f"  {stage:<40} {v:>9,.0f} instructions  {share:5.1f} %")
    if "--top" in sys.argv:
        n = int(sys.argv[sys.argv.index("--top") + 1])
        own = self_costs(dump)
        print(f"  the {n} functions with the most instructions of their own, per request:")
        for fn, c in sorted(own.items(), key=lambda kv: -kv[1])[:n]:
            print(f"    {c / requests:>9,.0f}  {fn[:110]}")


if __name__ == "__main__":
    main()
