#!/usr/bin/env python3
"""Asks blackbox_exporter for probes at a steady rate, as Prometheus would for many targets: RATE requests a second for
SECONDS, taking MODULE=TARGET pairs in turn, 16 at a time at most. Each successful probe is one line in COUNT_FILE, so
the caller can count them over any interval. Requests that find 1,000 waiting are dropped: the count shows it.

    blackbox_driver.py PORT RATE SECONDS COUNT_FILE MODULE=TARGET...
"""
import queue
import sys
import threading
import time
import urllib.parse
import urllib.request

port, rate, seconds, count = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
probes = [pair.split("=", 1) for pair in sys.argv[5:]]
jobs = queue.Queue(maxsize=1000)
out = open(count, "a", buffering=1)


def worker():
    while True:
        module, target = jobs.get()
        url = "http://127.0.0.1:%s/probe?%s" % (port, urllib.parse.urlencode({"module": module, "target": target}))
        try:
            if b"probe_success 1" in urllib.request.urlopen(url, timeout=10).read():
                out.write("x\n")
        except Exception:
            pass


for _ in range(16):
    threading.Thread(target=worker, daemon=True).start()
start = time.monotonic()
i = 0
while time.monotonic() - start < seconds:
    try:
        jobs.put_nowait(probes[i % len(probes)])
    except queue.Full:
        pass
    i += 1
    time.sleep(max(0.0, start + i / rate - time.monotonic()))
