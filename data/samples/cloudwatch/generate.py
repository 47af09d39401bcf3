#!/usr/bin/env python3
"""Writes the CloudWatch samples of this directory (see README.md).

Synthetic data, not AWS data: three hours of one-minute Invocations (Sum) of a
made-up function `checkout-api`, with a quiet start (where some minutes have
no invocation, so CloudWatch would return no datapoint), a morning ramp and a
ten-minute burst; and a Duration (p99, ms) series beside it. The same series is
written as the three exports lmi-sim reads. Standard library only; fixed seed:

    python3 data/samples/cloudwatch/generate.py
"""

import json
import math
import os
import random

SEED = 14
START = 1764579600  # 2025-12-01T09:00:00Z
MINUTES = 180
HERE = os.path.dirname(os.path.abspath(__file__))

rng = random.Random(SEED)


def poisson(lam):
    if lam < 30:
        # Knuth: multiply uniforms until below e^-lam.
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def rate(m):
    """Mean invocations in minute m (0 = 09:00)."""
    if m == 0:
        return 3.0  # a datapoint at 09:00: the series starts where the export does
    if m < 20:
        return 0.8  # the quiet start: zeros happen
    base = 40 + 200 * min(1.0, (m - 20) / 100)  # ramp 40 -> 240 per minute
    if 90 <= m < 100:
        base *= 4  # the burst, 10:30-10:40
    return base


def iso(t, z="+00:00"):
    h, rest = divmod(t % 86400, 3600)
    return "2025-12-01T%02d:%02d:00%s" % (h, rest // 60, z)


counts = [poisson(rate(m)) for m in range(MINUTES)]
p99 = [round(rng.uniform(180, 260) + (150 if 90 <= m < 100 else 0), 2) for m in range(MINUTES)]
# CloudWatch has no datapoint for a minute without invocations.
points = [(START + 60 * m, c, p99[m]) for m, c in enumerate(counts) if c > 0]
newest = list(reversed(points))


def result(id_, label, pts, value, status):
    return {
        "Id": id_,
        "Label": label,
        "Timestamps": [iso(t) for t, _, _ in pts],
        "Values": [float(value(p)) for p in pts],
        "StatusCode": status,
    }


def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)


# get-metric-data, newest first (ScanBy TimestampDescending, the default),
# split in two pages at 100 points per result as --no-paginate responses.
pages = [newest[:100], newest[100:]]
for i, pts in enumerate(pages):
    last = i == len(pages) - 1
    status = "Complete" if last else "PartialData"
    body = {
        "MetricDataResults": [
            result("invocations", "Invocations", pts, lambda p: p[1], status),
            result("duration_p99", "Duration p99", pts, lambda p: p[2], status),
        ],
        "Messages": [],
    }
    if not last:
        body["NextToken"] = "eyJkZW1vIjoibG1pLXNpbSBzYW1wbGUifQ=="
    write("get-metric-data-page%d.json" % (i + 1), json.dumps(body, indent=4) + "\n")

# get-metric-statistics: Datapoints in no particular order.
dps = [{"Timestamp": iso(t), "Sum": float(c), "Unit": "Count"} for t, c, _ in points]
rng.shuffle(dps)
write(
    "get-metric-statistics.json",
    json.dumps({"Label": "Invocations", "Datapoints": dps}, indent=4) + "\n",
)

# The console's CSV download of a graph of both metrics (layout: see README).
rows = ["Time,Invocations,Duration p99"]
rows += ["%s,%d,%.2f" % (iso(t, ".000Z"), c, d) for t, c, d in points]
write("console-checkout-api.csv", "\n".join(rows) + "\n")

missing = [m for m, c in enumerate(counts) if c == 0]
print("periods %d, datapoints %d, missing %d (%s), total %d, max %d" % (
    MINUTES, len(points), len(missing),
    ", ".join(iso(START + 60 * m, "Z") for m in missing), sum(counts), max(counts)))
