#!/usr/bin/env python3
"""An Envoy sidecar's admin API as egress-probe reads it, for the bench scripts: /ready, /config_dump (one
outbound|PORT||HOST cluster per host, connect_timeout 1s, in the v3 shape of the real captures in
../shared/fixtures/envoy-real) and /stats?format=json (per-cluster connect counters and the upstream_cx_connect_ms
histogram). Answers every request from memory; counters grow with each stats read, as a busy sidecar's do.

    envoy_admin_standin.py PORT UPSTREAM_PORT HOST...
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, upstream = int(sys.argv[1]), int(sys.argv[2])
clusters = ["outbound|%d||%s" % (upstream, h) for h in sys.argv[3:]]
dump = json.dumps({"configs": [{
    "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster",
    "version_info": "2026-11-29T00:00:00Z/1",
    "cluster": {"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": c, "connect_timeout": "1s"},
    "last_updated": "2026-11-29T00:00:00.000Z"} for c in clusters]}).encode()
reads = 0


def stats():
    global reads
    reads += 1
    counters = []
    for c in clusters:
        counters += [{"name": "cluster.%s.upstream_cx_total" % c, "value": 60 * reads},
                     {"name": "cluster.%s.upstream_cx_connect_fail" % c, "value": 0},
                     {"name": "cluster.%s.upstream_cx_connect_timeout" % c, "value": 0}]
    quantiles = [0.3, 0.5, 0.6, 0.7, 0.9, 1.1, 2.5, 3.0, 8.0, 12.0]
    histograms = {"supported_quantiles": [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100],
                  "computed_quantiles": [{"name": "cluster.%s.upstream_cx_connect_ms" % c,
                                          "values": [{"interval": q, "cumulative": q} for q in quantiles]} for c in clusters]}
    return json.dumps({"stats": counters + [{"histograms": histograms}]}).encode()


class Admin(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = self.path.split("?")[0]
        body = {"/ready": lambda: b"LIVE\n", "/config_dump": lambda: dump, "/stats": stats}.get(path, lambda: None)()
        self.send_response(200 if body is not None else 404)
        body = body or b"not here\n"
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/json" if body[:1] == b"{" else "text/plain")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Admin).serve_forever()
