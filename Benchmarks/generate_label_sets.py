#!/usr/bin/env python3
"""Hostile input for flowlog's memory bound: flows whose endpoints all carry distinct, large
label sets, so no interning cache ever hits.

    python3 Benchmarks/generate_label_sets.py SETS [--labels L] [--node-bytes B] > flows.jsonl

Writes SETS lines; line i is one flow whose source endpoint has L labels (default 300), every
one of them unique to line i, and whose destination is a small fixed pod. With --node-bytes, the
flow's node_name is B characters long (a distinct one per line), for the line-length bound.
Deterministic; Python 3 standard library only. Lines stream, so any SETS fits in a pipe.
"""

import argparse
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", type=int)
    parser.add_argument("--labels", type=int, default=300)
    parser.add_argument("--node-bytes", type=int, default=0)
    args = parser.parse_args()

    destination = ('{"identity":4242,"namespace":"production","pod_name":"api-0",'
                   '"labels":["k8s:app=api","k8s:io.kubernetes.pod.namespace=production"]}')
    out = sys.stdout
    chunk = []
    for index in range(args.sets):
        # Labels about 40 bytes each, the size of real Cilium labels, all distinct per line.
        labels = ",".join('"k8s:example.com/attribute-%03d=value-%08d"' % (label, index)
                          for label in range(args.labels))
        node = "node-%08d" % index
        if args.node_bytes > len(node):
            node += "n" * (args.node_bytes - len(node))
        seconds = index % 60
        minutes = (index // 60) % 60
        line = ('{"flow":{"time":"2026-11-20T10:%02d:%02d.%09dZ","uuid":"00000000-0000-4000-8000-%012x",'
                '"verdict":"FORWARDED","IP":{"source":"10.0.%d.%d","destination":"10.0.9.9","ipVersion":"IPv4"},'
                '"l4":{"TCP":{"source_port":40000,"destination_port":8080}},'
                '"source":{"identity":%d,"namespace":"attack","pod_name":"pod-%d","labels":[%s]},'
                '"destination":%s,"Type":"L3_L4","node_name":"%s","event_type":{"type":4},'
                '"traffic_direction":"INGRESS","is_reply":false},"node_name":"%s"}'
                % (minutes, seconds, index, index, (index >> 8) & 255, index & 255, 100000 + index, index,
                   labels, destination, node, node))
        chunk.append(line)
        if len(chunk) >= 256:
            out.write("\n".join(chunk) + "\n")
            chunk = []
    if chunk:
        out.write("\n".join(chunk) + "\n")


if __name__ == "__main__":
    main()
