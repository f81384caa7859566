#!/usr/bin/env python3
"""Converts `istioctl proxy-config listeners -o yaml` (a YAML list of Listener, protojson camelCase) to the form
Envoy's admin API answers /config_dump?resource=dynamic_listeners in: snake_case field names, each listener wrapped
as a v3 ListenersConfigDump.DynamicListener (`name`, `active_state.listener` with its `@type`). Values are not touched;
`@type` and the keys of metadata maps (data, not field names) keep their spelling.

usage: istioctl_listeners_to_admin.py IN.yaml > OUT.json
"""
import json
import re
import sys

import yaml

DATA_MAPS = {"filter_metadata", "typed_filter_metadata"}  # their keys are names chosen by the writer, not fields


def snake(key):
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), key)


def convert(node, data_map=False):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            name = k if (k.startswith("@") or data_map) else snake(k)
            out[name] = convert(v, data_map=name in DATA_MAPS)
        return out
    if isinstance(node, list):
        return [convert(v) for v in node]
    return node


def main(path):
    with open(path) as f:
        listeners = yaml.safe_load(f)
    dynamic = []
    for listener in listeners:
        body = {"@type": "type.googleapis.com/envoy.config.listener.v3.Listener"}
        body.update(convert(listener))
        dynamic.append({"name": body["name"], "active_state": {"listener": body}})
    dump = {"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
                         "dynamic_listeners": dynamic}]}
    json.dump(dump, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
