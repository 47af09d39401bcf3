#!/usr/bin/env python3
"""Generates the Lambda REPORT log samples in data/samples/lambda-logs/.

Synthetic, not AWS data: a 10-minute day-time trace of one Python function
(MemorySize 2048 MB) written three ways, as the AWS CLI and the CloudWatch
console export them. The same invocations are in every file.

  python3 scripts/gen-lambda-logs.py [--seed 14] [--out data/samples/lambda-logs]

Model (ours, for realism only): Poisson arrivals whose rate rises from 1.2/s
to 3.5/s and falls back; handler durations lognormal (median 85 ms, sigma
0.6) with 1% slow calls of 1.5-6 s; one execution environment per concurrent
invocation, an idle one reused (most recent first) and reclaimed after an
exponential idle time (mean 45 s); a new one is a cold start with an Init
Duration lognormal (median 320 ms). An environment's Max Memory Used is the
peak so far of its runtime (138-146 MB) plus what each invocation adds
(lognormal median 24 MB). A REPORT is logged when the invocation ends, at a
whole millisecond: timestamp = arrival + Init Duration + Duration, rounded up.

Prints the totals the tests assert (arrivals per minute from 10:00:00Z, the sum
of Duration, cold starts), computed from the generated invocations.
"""
import argparse, csv, io, json, math, os, random

p = argparse.ArgumentParser()
p.add_argument("--seed", type=int, default=14)
p.add_argument("--out", default="data/samples/lambda-logs")
a = p.parse_args()
rng = random.Random(a.seed)

T0_S = 1764583200  # 2025-12-01T10:00:00Z
SPAN_S = 600.0

def rate(t):
    # 1.2/s, ramping to 3.5/s from minute 3 to 5, held to minute 7, back by minute 9.
    if t < 180: return 1.2
    if t < 300: return 1.2 + 2.3 * (t - 180) / 120
    if t < 420: return 3.5
    if t < 540: return 3.5 - 2.3 * (t - 420) / 120
    return 1.2

def hexid(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))

def uuid():
    h = hexid(32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

# Arrivals by thinning (max rate 3.5/s), in µs since the epoch.
arrivals = []
t = 0.0
while True:
    t += rng.expovariate(3.5)
    if t >= SPAN_S: break
    if rng.random() < rate(t) / 3.5:
        arrivals.append(T0_S * 1_000_000 + int(t * 1e6))

ees = []  # dicts: busy_until (µs), idle_limit (µs), stream, peak_mb, runtime_mb
inv = []
for at in arrivals:
    # Reclaim idle environments past their idle limit.
    ees = [e for e in ees if not (e["busy_until"] <= at and at - e["busy_until"] > e["idle_limit"])]
    idle = [e for e in ees if e["busy_until"] <= at]
    dur_10us = int(round(rng.lognormvariate(math.log(85.0), 0.6) * 100))
    if rng.random() < 0.01:
        dur_10us = int(round(rng.uniform(1500.0, 6000.0) * 100))
    dur_10us = max(dur_10us, 100)
    init_10us = None
    if idle:
        e = max(idle, key=lambda e: e["busy_until"])
    else:
        e = {"stream": f"2025/12/01/[$LATEST]{hexid(32)}",
             "runtime_mb": rng.randint(138, 146), "peak_mb": 0}
        e["peak_mb"] = e["runtime_mb"]
        ees.append(e)
        init_10us = int(round(rng.lognormvariate(math.log(320.0), 0.35) * 100))
    e["idle_limit"] = int(rng.expovariate(1 / 45.0) * 1e6)
    use = e["runtime_mb"] + int(round(rng.lognormvariate(math.log(24.0), 0.45)))
    e["peak_mb"] = max(e["peak_mb"], use)
    total_us = dur_10us * 10 + (init_10us * 10 if init_10us else 0)
    ts_ms = -(-(at + total_us) // 1000)  # REPORT at a whole ms, rounded up
    e["busy_until"] = ts_ms * 1000
    inv.append({"ts_ms": ts_ms, "dur_10us": dur_10us, "init_10us": init_10us,
                "max_mb": e["peak_mb"], "stream": e["stream"], "id": uuid()})

inv.sort(key=lambda r: (r["ts_ms"], r["id"]))

def f2(x10us):  # 10 µs units as "102.25"
    return f"{x10us // 100}.{x10us % 100:02d}"

def report(r):
    m = (f"REPORT RequestId: {r['id']}\tDuration: {f2(r['dur_10us'])} ms\t"
         f"Billed Duration: {-(-r['dur_10us'] // 100)} ms\tMemory Size: 2048 MB\t"
         f"Max Memory Used: {r['max_mb']} MB\t")
    if r["init_10us"] is not None:
        m += f"Init Duration: {f2(r['init_10us'])} ms\t"
    return m + "\n"

def iso_ms(ms, sep="T", micro=False):
    s, frac = divmod(ms, 1000)
    days, rem = divmod(s, 86400)
    # 2025-12-01 is day 20423 since the epoch; the trace stays within it.
    assert days == 20423
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    f = f"{frac:03d}000+00:00" if micro else f"{frac:03d}"
    return f"2025-12-01{sep}{hh:02d}:{mm:02d}:{ss:02d}.{f}"

os.makedirs(a.out, exist_ok=True)

# 1. aws logs filter-log-events --filter-pattern REPORT: two pages.
half = len(inv) // 2
for page, rows in ((1, inv[:half]), (2, inv[half:])):
    doc = {"events": [{"logStreamName": r["stream"], "timestamp": r["ts_ms"],
                       "message": report(r),
                       "ingestionTime": r["ts_ms"] + rng.randint(150, 900),
                       "eventId": str(rng.randrange(10**55, 10**56))} for r in rows],
           "searchedLogStreams": []}
    if page == 1:
        doc["nextToken"] = "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXLrcUjSPOGaK5x9_" + hexid(40)
    with open(os.path.join(a.out, f"filter-log-events-{page}.json"), "w") as f:
        json.dump(doc, f, indent=4)
        f.write("\n")

# 2. Logs Insights: fields @timestamp, @message | filter @type = "REPORT" | sort @timestamp asc
with open(os.path.join(a.out, "insights.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["@timestamp", "@message"])
    for r in inv:
        w.writerow([iso_ms(r["ts_ms"], " "), report(r)])

# 3. aws logs tail --format detailed: every line of the invocations.
lines = []
seq = 0
for r in inv:
    end = r["ts_ms"]
    start = end - (-(-r["dur_10us"] // 100))
    if r["init_10us"] is not None:
        init_at = start - (-(-r["init_10us"] // 100))
        lines.append((init_at, seq, r["stream"], "INIT_START Runtime Version: python:3.13.v31\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:7f1c"))
        seq += 1
    lines.append((start, seq, r["stream"], f"START RequestId: {r['id']} Version: $LATEST")); seq += 1
    if rng.random() < 0.3:
        lines.append((start + 1, seq, r["stream"], f"[INFO]\t{iso_ms(start + 1)}Z\t{r['id']}\torder accepted")); seq += 1
    lines.append((end, seq, r["stream"], f"END RequestId: {r['id']}")); seq += 1
    lines.append((end, seq, r["stream"], report(r).rstrip("\n"))); seq += 1
lines.sort()
with open(os.path.join(a.out, "tail.log"), "w") as f:
    for ms, _, stream, msg in lines:
        f.write(f"{iso_ms(ms, micro=True)} {stream} {msg}\n")

# Totals, from the invocations as generated.
per_min = {}
for r in inv:
    arr = r["ts_ms"] * 1000 - r["dur_10us"] * 10 - (r["init_10us"] or 0) * 10
    m = (arr - T0_S * 1_000_000) // 60_000_000
    per_min[m] = per_min.get(m, 0) + 1
print("invocations", len(inv))
print("per_minute", [per_min.get(m, 0) for m in range(max(per_min) + 1)])
print("duration_sum_us", sum(r["dur_10us"] * 10 for r in inv))
inits = [r["init_10us"] for r in inv if r["init_10us"] is not None]
print("cold_starts", len(inits), "init_sum_us", sum(i * 10 for i in inits))
print("max_memory_min_mb", min(r["max_mb"] for r in inv), "max_mb", max(r["max_mb"] for r in inv))
print("other_tail_lines", len(lines) - len(inv))
