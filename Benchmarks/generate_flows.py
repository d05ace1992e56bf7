#!/usr/bin/env python3
"""Fast generator of realistic Hubble flow lines for flowlog benchmarks.

    python3 Benchmarks/generate_flows.py N [--seed S] [--start RFC3339] [--lean] > flows.jsonl

Writes exactly N lines to stdout, one GetFlowsResponse per line as `hubble observe -o json`
prints it: {"flow":{...},"node_name":"...","time":"..."} (same keys as SampleFlows/).
Deterministic for a given (N, seed, start). Python 3 standard library only.

The cluster has 37 workloads in 11 namespaces on 6 nodes, plus world, CIDR and host peers.
Pod endpoints carry the full Cilium label set (9 to 13 labels, 10.5 on average, including
volatile pod-template-hash / controller-revision-hash labels), workloads, pod names and
endpoint IDs. The traffic mixes trace events (to-endpoint / to-overlay / to-stack, requests and
replies), policy-verdict ALLOWED records and about 10 % DROPPED records (POLICY_DENIED drop
events, about a fifth of them as policy-verdict + drop pairs on adjacent lines). Capture time
advances about 1,000 flows per second. Lines average about 1.9 KB. With --lean, pods carry 6
labels and lines average about 1.6 KB. A Hubble line with this field set cannot be much smaller:
the four Cilium labels and the namespace label alone take about 250 bytes per endpoint.

For speed, every line comes from a precomputed template. The template is the flow JSON, pre-split
into byte pieces around four holes: the time (twice), the uuid and the ephemeral port. Per line,
only the time, uuid and port are formatted, and the pieces are joined in chunks of 4096 lines.
Templates come from a seeded RNG, and a precomputed random sequence of template indices is cycled.
The first and last uuid groups come from a 64-bit bijection of the line counter (mixed with the
seed), so uuids are unique within a run.
"""

import argparse
import json
import os
import random
import re
import sys
import time
from datetime import datetime

NODES = ["k8s-node-01", "k8s-node-02", "k8s-node-03", "k8s-node-04", "k8s-node-05", "k8s-node-06"]
NODE_IP = {n: "10.20.0.%d" % (10 + i) for i, n in enumerate(NODES)}

NAMESPACE_LABELS = {
    "production": ["environment=production", "team=shop"],
    "staging": ["environment=staging", "team=shop"],
    "payments": ["environment=production", "pci=true", "team=payments"],
    "kube-system": [],
    "monitoring": ["team=platform"],
    "ingress-nginx": ["app.kubernetes.io/instance=ingress-nginx", "app.kubernetes.io/name=ingress-nginx"],
    "logging": ["team=platform"],
    "data": ["environment=production", "team=data"],
    "batch": ["environment=production", "team=data"],
    "cert-manager": ["team=platform"],
    "argocd": ["team=platform"],
}

# (namespace, name, kind, replicas, service account, extra pod labels, part-of)
WORKLOADS = [
    ("production", "frontend", "Deployment", 3, "frontend", ["tier=web"], "shop"),
    ("production", "api", "Deployment", 3, "api", ["tier=backend"], "shop"),
    ("production", "checkout", "Deployment", 2, "checkout", ["tier=backend"], "shop"),
    ("production", "cart", "Deployment", 2, "cart", ["tier=backend"], "shop"),
    ("production", "catalog", "Deployment", 2, "catalog", ["tier=backend"], "shop"),
    ("production", "search", "Deployment", 2, "search", ["tier=backend"], "shop"),
    ("production", "recommendations", "Deployment", 2, "recommendations", ["tier=backend"], "shop"),
    ("production", "database", "StatefulSet", 1, "database", ["tier=data"], "shop"),
    ("production", "redis", "StatefulSet", 2, "redis", ["tier=cache"], "shop"),
    ("staging", "frontend", "Deployment", 1, "frontend", ["tier=web"], "shop"),
    ("staging", "api", "Deployment", 1, "api", ["tier=backend"], "shop"),
    ("staging", "checkout", "Deployment", 1, "checkout", ["tier=backend"], "shop"),
    ("staging", "catalog", "Deployment", 1, "catalog", ["tier=backend"], "shop"),
    ("staging", "database", "StatefulSet", 1, "database", ["tier=data"], "shop"),
    ("payments", "payment-gateway", "Deployment", 2, "payment-gateway", ["tier=backend"], "payments"),
    ("payments", "fraud-detector", "Deployment", 2, "fraud-detector", ["tier=backend"], "payments"),
    ("payments", "ledger", "Deployment", 2, "ledger", ["tier=backend"], "payments"),
    ("payments", "tokenizer", "Deployment", 2, "tokenizer", ["tier=backend"], "payments"),
    ("payments", "payments-db", "StatefulSet", 1, "payments-db", ["tier=data"], "payments"),
    ("kube-system", "coredns", "Deployment", 2, "coredns", [], "kubernetes"),
    ("kube-system", "metrics-server", "Deployment", 1, "metrics-server", [], "kubernetes"),
    ("kube-system", "hubble-relay", "Deployment", 1, "hubble-relay", [], "cilium"),
    ("monitoring", "prometheus", "StatefulSet", 1, "prometheus", [], "kube-prometheus"),
    ("monitoring", "grafana", "Deployment", 1, "grafana", [], "kube-prometheus"),
    ("monitoring", "alertmanager", "StatefulSet", 1, "alertmanager", [], "kube-prometheus"),
    ("monitoring", "kube-state-metrics", "Deployment", 1, "kube-state-metrics", [], "kube-prometheus"),
    ("ingress-nginx", "ingress-nginx-controller", "Deployment", 2, "ingress-nginx", [], "ingress-nginx"),
    ("logging", "loki", "StatefulSet", 1, "loki", [], "loki"),
    ("logging", "fluent-bit", "DaemonSet", 6, "fluent-bit", [], "fluent-bit"),
    ("data", "kafka", "StatefulSet", 3, "kafka", [], "kafka"),
    ("data", "zookeeper", "StatefulSet", 3, "zookeeper", [], "kafka"),
    ("batch", "report-generator", "CronJob", 1, "report-generator", [], "reporting"),
    ("batch", "etl-worker", "Deployment", 2, "etl-worker", [], "reporting"),
    ("cert-manager", "cert-manager", "Deployment", 1, "cert-manager", [], "cert-manager"),
    ("cert-manager", "cert-manager-webhook", "Deployment", 1, "cert-manager-webhook", [], "cert-manager"),
    ("argocd", "argocd-server", "Deployment", 1, "argocd-server", [], "argocd"),
    ("argocd", "argocd-repo-server", "Deployment", 1, "argocd-repo-server", [], "argocd"),
]

# allowed edges: (client ns/name, server ns/name, proto, port, weight)
ALLOWED = [
    ("ingress-nginx/ingress-nginx-controller", "production/frontend", "TCP", 8080, 30),
    ("ingress-nginx/ingress-nginx-controller", "staging/frontend", "TCP", 8080, 4),
    ("ingress-nginx/ingress-nginx-controller", "monitoring/grafana", "TCP", 3000, 2),
    ("ingress-nginx/ingress-nginx-controller", "argocd/argocd-server", "TCP", 8080, 1),
    ("production/frontend", "production/api", "TCP", 3000, 30),
    ("production/api", "production/catalog", "TCP", 8080, 14),
    ("production/api", "production/cart", "TCP", 8080, 12),
    ("production/api", "production/checkout", "TCP", 8080, 6),
    ("production/api", "production/search", "TCP", 9200, 8),
    ("production/api", "production/recommendations", "TCP", 8080, 6),
    ("production/api", "production/database", "TCP", 5432, 18),
    ("production/cart", "production/redis", "TCP", 6379, 14),
    ("production/catalog", "production/database", "TCP", 5432, 8),
    ("production/checkout", "payments/payment-gateway", "TCP", 8443, 6),
    ("payments/payment-gateway", "payments/fraud-detector", "TCP", 8080, 5),
    ("payments/payment-gateway", "payments/tokenizer", "TCP", 8080, 5),
    ("payments/payment-gateway", "payments/ledger", "TCP", 8080, 4),
    ("payments/ledger", "payments/payments-db", "TCP", 5432, 5),
    ("payments/payment-gateway", "world:203.0.113.10", "TCP", 443, 4),
    ("payments/payment-gateway", "world:203.0.113.77", "TCP", 443, 2),
    ("production/recommendations", "data/kafka", "TCP", 9092, 5),
    ("data/kafka", "data/zookeeper", "TCP", 2181, 2),
    ("batch/etl-worker", "data/kafka", "TCP", 9092, 4),
    ("batch/report-generator", "production/database", "TCP", 5432, 2),
    ("staging/frontend", "staging/api", "TCP", 3000, 4),
    ("staging/api", "staging/catalog", "TCP", 8080, 2),
    ("staging/api", "staging/database", "TCP", 5432, 3),
    ("staging/checkout", "staging/database", "TCP", 5432, 1),
    ("logging/fluent-bit", "logging/loki", "TCP", 3100, 8),
    ("monitoring/prometheus", "production/frontend", "TCP", 9090, 3),
    ("monitoring/prometheus", "production/api", "TCP", 9090, 3),
    ("monitoring/prometheus", "payments/ledger", "TCP", 9090, 2),
    ("monitoring/prometheus", "data/kafka", "TCP", 9308, 2),
    ("monitoring/prometheus", "monitoring/kube-state-metrics", "TCP", 8080, 2),
    ("monitoring/prometheus", "monitoring/alertmanager", "TCP", 9093, 1),
    ("monitoring/grafana", "monitoring/prometheus", "TCP", 9090, 2),
    ("kube-system/hubble-relay", "host:", "TCP", 4244, 1),
    ("argocd/argocd-repo-server", "world:140.82.121.3", "TCP", 443, 1),
    ("cert-manager/cert-manager", "world:172.65.32.248", "TCP", 443, 1),
    ("host:", "production/frontend", "TCP", 8080, 4),  # kubelet probes
    ("host:", "production/api", "TCP", 3000, 4),
    ("host:", "payments/ledger", "TCP", 8080, 2),
    ("host:", "data/kafka", "TCP", 9092, 2),
]
DNS_CLIENTS_WEIGHT = 70  # spread over every non-kube-system workload, to coredns:53/UDP

# denied edges: (client, server, proto, port, weight, direction of the drop)
DENIED = [
    ("staging/api", "production/database", "TCP", 5432, 3, "INGRESS"),
    ("staging/frontend", "production/api", "TCP", 3000, 2, "INGRESS"),
    ("production/frontend", "production/database", "TCP", 5432, 3, "EGRESS"),
    ("production/frontend", "payments/payments-db", "TCP", 5432, 2, "EGRESS"),
    ("batch/etl-worker", "payments/ledger", "TCP", 8080, 2, "INGRESS"),
    ("production/recommendations", "payments/payments-db", "TCP", 5432, 1, "EGRESS"),
    ("world:10.8.14.163", "production/frontend", "TCP", 8080, 3, "INGRESS"),
    ("world:185.220.101.47", "production/api", "TCP", 3000, 2, "INGRESS"),
    ("production/api", "world:198.51.100.1", "TCP", 443, 2, "EGRESS"),
    ("production/database", "world:203.0.113.10", "TCP", 443, 1, "EGRESS"),
    ("data/kafka", "world:198.51.100.23", "TCP", 443, 1, "EGRESS"),
    ("payments/tokenizer", "world:45.33.32.156", "TCP", 22, 1, "EGRESS"),
]
DROPPED_LINE_SHARE = 0.10
PAIR_SHARE = 0.22  # share of denied templates emitted as policy-verdict + drop pairs

HOLE_TIME, HOLE_UUID, HOLE_PORT = "@@T@@", "@@U@@", "@@P@@"


class Ep:
    pass


def build_cluster(rng, lean=False):
    pods = {}  # "ns/name" -> [Ep]
    used_ids = set()
    subnet = {n: (i + 1) for i, n in enumerate(NODES)}
    next_host = {n: 10 for n in NODES}

    def mac():
        b = [rng.randrange(256) for _ in range(6)]
        b[0] = (b[0] & 0xFC) | 0x02
        return ":".join("%02x" % x for x in b)

    for ns, name, kind, replicas, sa, extra, part_of in WORKLOADS:
        identity = 102 if name == "coredns" else rng.randint(1000, 65000)
        tmpl_hash = "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(10))
        eps = []
        for r in range(replicas):
            node = NODES[r % len(NODES)] if kind == "DaemonSet" else rng.choice(NODES)
            e = Ep()
            e.world = False
            e.node = node
            host = next_host[node]
            next_host[node] += 1
            e.ip = "10.42.%d.%d" % (subnet[node] * 10 + host // 250, host % 250 + 2)
            ep_id = rng.randint(40, 4000)
            while ep_id in used_ids:
                ep_id = rng.randint(40, 4000)
            used_ids.add(ep_id)
            e.ep_id = ep_id
            e.identity = identity
            e.mac = mac()
            e.lxc = ("lxc" + "%012x" % rng.getrandbits(48), rng.randint(9, 200))
            if kind == "StatefulSet":
                e.pod = "%s-%d" % (name, r)
                vol = ["controller-revision-hash=%s-%s" % (name, tmpl_hash[:9]),
                       "statefulset.kubernetes.io/pod-name=%s" % e.pod]
            elif kind == "DaemonSet":
                e.pod = "%s-%s" % (name, "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5)))
                vol = ["controller-revision-hash=%s" % tmpl_hash[:9], "pod-template-generation=3"]
            elif kind == "CronJob":
                job = "%s-%d" % (name, 29400000 + rng.randint(0, 99999))
                e.pod = "%s-%s" % (job, "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5)))
                vol = ["batch.kubernetes.io/job-name=%s" % job, "job-name=%s" % job]
            else:
                e.pod = "%s-%s-%s" % (name, tmpl_hash, "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789")
                                                              for _ in range(5)))
                vol = ["pod-template-hash=%s" % tmpl_hash]
            if ns == "kube-system" and name == "coredns":
                own = ["k8s-app=kube-dns"]
            elif lean:
                own = ["app=%s" % name]
            else:
                own = ["app=%s" % name, "app.kubernetes.io/name=%s" % name, "app.kubernetes.io/part-of=%s" % part_of]
            if lean:
                extra, vol = [], vol[:1]
            labels = ["k8s:" + l for l in own + extra + vol]
            labels += ["k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=%s" % ns]
            if not lean:
                labels += ["k8s:io.cilium.k8s.namespace.labels.%s" % l for l in NAMESPACE_LABELS[ns]]
            labels += ["k8s:io.cilium.k8s.policy.cluster=default",
                       "k8s:io.cilium.k8s.policy.serviceaccount=%s" % sa,
                       "k8s:io.kubernetes.pod.namespace=%s" % ns]
            e.labels = sorted(labels)
            e.namespace = ns
            e.workload = {"name": name, "kind": kind}
            e.service = name
            eps.append(e)
        pods["%s/%s" % (ns, name)] = eps
    return pods


def special_ep(key, rng, cidr_ids):
    e = Ep()
    e.node = None
    e.mac = None
    if key.startswith("world:"):
        ip = key[6:]
        e.world = True
        e.ip = ip
        if ip.startswith("203.0.113.") or ip.startswith("140.82.") or ip.startswith("172.65."):
            if ip not in cidr_ids:
                cidr_ids[ip] = 16777217 + len(cidr_ids)
            e.identity = cidr_ids[ip]
            e.labels = ["cidr:%s/32" % ip, "reserved:world"]
        else:
            e.identity = 2
            e.labels = ["reserved:world"]
    else:  # host: the node itself (kubelet probes, hubble peers)
        e.world = True
        e.host = True
        e.ip = None
        e.identity = 1
        e.labels = ["reserved:host"]
    return e


def endpoint_obj(e, node):
    if getattr(e, "world", False):
        return {"identity": e.identity, "labels": list(e.labels)}
    d = {}
    if e.node == node:
        d["ID"] = e.ep_id
    d["identity"] = e.identity
    d["namespace"] = e.namespace
    d["labels"] = list(e.labels)
    d["pod_name"] = e.pod
    d["workloads"] = [dict(e.workload)]
    return d


FLAG_KEYS = ["FIN", "SYN", "RST", "PSH", "ACK"]
SUMMARY_ORDER = ["SYN", "ACK", "RST", "FIN", "PSH"]


def dumps(o):
    return json.dumps(o, separators=(",", ":"))


def make_line(node, src, dst, src_ip, dst_ip, proto, sport, dport, flags, verdict, kind, direction,
              is_reply=None, point=None, policy=None, svc_src=None, svc_dst=None, node_mac="02:00:00:00:00:01"):
    """One line template (JSON with holes). kind: trace | pv | drop."""
    f = {"time": HOLE_TIME, "uuid": HOLE_UUID, "verdict": verdict}
    if verdict == "DROPPED":
        f["drop_reason"] = 133
    f["ethernet"] = {"source": src.mac or node_mac, "destination": dst.mac or node_mac}
    f["IP"] = {"source": src_ip, "destination": dst_ip, "ipVersion": "IPv4"}
    if proto == "UDP":
        f["l4"] = {"UDP": {"source_port": sport, "destination_port": dport}}
        summary = "UDP"
    else:
        f["l4"] = {"TCP": {"source_port": sport, "destination_port": dport,
                           "flags": {k: True for k in FLAG_KEYS if k in flags}}}
        summary = "TCP Flags: " + ", ".join(k for k in SUMMARY_ORDER if k in flags)
    f["source"] = endpoint_obj(src, node)
    f["destination"] = endpoint_obj(dst, node)
    f["Type"] = "L3_L4"
    f["node_name"] = node
    if is_reply:
        f["reply"] = True
    if kind == "trace":
        sub = {"TO_ENDPOINT": 0, "TO_STACK": 3, "TO_OVERLAY": 4}[point]
        f["event_type"] = {"type": 4, "sub_type": sub} if sub else {"type": 4}
    elif kind == "pv":
        f["event_type"] = {"type": 5}
    else:
        f["event_type"] = {"type": 1, "sub_type": 133}
    if svc_src:
        f["source_service"] = svc_src
    if svc_dst:
        f["destination_service"] = svc_dst
    f["traffic_direction"] = direction
    if kind == "pv" and verdict == "FORWARDED":
        f["policy_match_type"] = 2
    if kind == "trace":
        f["trace_observation_point"] = point
        f["trace_reason"] = "REPLY" if is_reply else ("NEW" if flags == {"SYN"} or proto == "UDP" else "ESTABLISHED")
    if kind == "drop":
        f["file"] = {"name": "bpf_lxc.c", "line": 1361 if direction == "EGRESS" else 2107}
    if verdict == "DROPPED":
        f["drop_reason_desc"] = "POLICY_DENIED"
    else:
        f["is_reply"] = bool(is_reply)
    if kind == "trace" and point == "TO_ENDPOINT" and not getattr(dst, "world", False):
        f["interface"] = {"index": dst.lxc[1], "name": dst.lxc[0]}
    elif kind == "trace" and point == "TO_OVERLAY":
        f["interface"] = {"index": 6, "name": "cilium_vxlan"}
    f["Summary"] = summary
    if policy:
        f["egress_allowed_by" if direction == "EGRESS" else "ingress_allowed_by"] = [policy]
    s = dumps({"flow": f, "node_name": node, "time": HOLE_TIME}) + "\n"
    # split into the 5 static pieces around the holes: time, uuid, port, time
    q = '"%s"'
    a, rest = s.split(q % HOLE_TIME, 1)
    b, rest = rest.split(q % HOLE_UUID, 1)
    c, rest = rest.split(q % HOLE_PORT, 1)
    d, e = rest.split(q % HOLE_TIME, 1)
    pieces = ((a + '"').encode("ascii"), ('"' + b + '"').encode("ascii"), ('"' + c).encode("ascii"),
              (d + '"').encode("ascii"), ('"' + e).encode("ascii"))
    assert HOLE_TIME not in e and HOLE_PORT not in e
    return pieces


def build_templates(rng, pods):
    cidr_ids = {}
    specials = {}
    node_mac = {n: "02:%02x:%02x:%02x:%02x:%02x" % tuple(rng.randrange(256) for _ in range(5)) for n in NODES}
    node_ip = NODE_IP
    policy_uid = {}

    def policy(ns, name):
        if (ns, name) not in policy_uid:
            policy_uid[(ns, name)] = "%08x-%04x-4%03x-%04x-%012x" % (
                rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                0x8000 | rng.getrandbits(14), rng.getrandbits(48))
        return {"name": name, "namespace": ns,
                "labels": sorted(["k8s:io.cilium.k8s.policy.derived-from=NetworkPolicy",
                                  "k8s:io.cilium.k8s.policy.name=%s" % name,
                                  "k8s:io.cilium.k8s.policy.namespace=%s" % ns,
                                  "k8s:io.cilium.k8s.policy.uid=%s" % policy_uid[(ns, name)]]),
                "revision": "41", "kind": "NetworkPolicy"}

    def resolve(key):
        if "/" in key:
            return pods[key]
        if key not in specials:
            specials[key] = [special_ep(key, rng, cidr_ids)]
        return specials[key]

    def concrete(e, peer_node):
        """(endpoint, ip, node) -- a host endpoint takes the node's address."""
        if getattr(e, "host", False):
            return e, node_ip[peer_node], peer_node
        return e, e.ip, e.node

    def svc(e, port):
        if getattr(e, "world", False) or port in (9090, 9308):  # scrape ports: no Service
            return None
        return {"name": "kube-dns" if e.service == "coredns" else e.service, "namespace": e.namespace}

    allowed_tpl, denied_tpl = [], []

    edges = [(c, s, p, port, w) for c, s, p, port, w in ALLOWED]
    dns_clients = [k for k in pods if not k.startswith("kube-system/")]
    for c in dns_clients:
        edges.append((c, "kube-system/coredns", "UDP", 53, DNS_CLIENTS_WEIGHT / len(dns_clients)))

    for client_key, server_key, proto, port, weight in edges:
        variants = []
        for _ in range(24):
            client = rng.choice(resolve(client_key))
            server = rng.choice(resolve(server_key))
            if getattr(server, "host", False):
                server_node = rng.choice(NODES)
                client_c, cip, cnode = concrete(client, server_node)
                server_c, sip, snode = server, node_ip[server_node], server_node
            else:
                server_c, sip, snode = concrete(server, None)
                client_c, cip, cnode = concrete(client, server.node)
            if proto == "UDP":
                phases = [(set(), False), (set(), True)]
            else:
                phases = [({"SYN"}, False), ({"SYN", "ACK"}, True), ({"ACK", "PSH"}, False),
                          ({"ACK", "PSH"}, True), ({"ACK", "PSH"}, False), ({"ACK", "PSH"}, True),
                          ({"ACK", "FIN"}, False), ({"ACK", "FIN"}, True)]
            flags, is_reply = rng.choice(phases)
            if is_reply:
                src, dst, sip_, dip_, sport, dport = server_c, client_c, sip, cip, port, HOLE_PORT
                snode_, dnode_ = snode, cnode
            else:
                src, dst, sip_, dip_, sport, dport = client_c, server_c, cip, sip, HOLE_PORT, port
                snode_, dnode_ = cnode, snode
            svc_src = svc(server_c, port) if is_reply else None
            svc_dst = None if is_reply else svc(server_c, port)
            # which observation point reports it
            opts = []
            if dnode_ is not None and not getattr(dst, "host", False):
                opts.append(("TO_ENDPOINT", dnode_))
            if snode_ is not None and snode_ != dnode_ and not getattr(src, "host", False):
                opts.append(("TO_STACK" if dnode_ is None else "TO_OVERLAY", snode_))
            if not opts:
                continue
            point, node = rng.choice(opts)
            at_source = (node == snode_) and point != "TO_ENDPOINT"
            direction = "EGRESS" if at_source != is_reply else "INGRESS"
            variants.append(make_line(node, src, dst, sip_, dip_, proto, sport, dport, flags, "FORWARDED",
                                      "trace", direction, is_reply=is_reply, point=point,
                                      svc_src=svc_src, svc_dst=svc_dst, node_mac=node_mac[node]))
            # a policy-verdict ALLOWED for some new connections
            if not is_reply and (flags == {"SYN"} or proto == "UDP") and rng.random() < 0.5:
                if cnode is not None and not getattr(client_c, "world", False):
                    pv_node, pv_dir = cnode, "EGRESS"
                    pol = policy(client_c.namespace, "allow-dns" if proto == "UDP" else "%s-egress" % client_c.service)
                elif snode is not None:
                    pv_node, pv_dir = snode, "INGRESS"
                    pol = policy(server_c.namespace, "%s-ingress" % server_c.service)
                else:
                    continue
                variants.append(make_line(pv_node, client_c, server_c, cip, sip, proto, HOLE_PORT, port, flags,
                                          "FORWARDED", "pv", pv_dir, is_reply=False, policy=pol,
                                          svc_dst=svc_dst, node_mac=node_mac[pv_node]))
        allowed_tpl.extend((weight / len(variants), v) for v in variants)

    for client_key, server_key, proto, port, weight, direction in DENIED:
        variants = []
        for _ in range(16):
            client = rng.choice(resolve(client_key))
            server = rng.choice(resolve(server_key))
            cip, sip = client.ip, server.ip
            node = client.node if direction == "EGRESS" else server.node
            svc_dst = svc(server, port)
            drop_line = make_line(node, client, server, cip, sip, proto, HOLE_PORT, port, {"SYN"}, "DROPPED",
                                  "drop", direction, svc_dst=svc_dst, node_mac=node_mac[node])
            if rng.random() < PAIR_SHARE:
                pv_line = make_line(node, client, server, cip, sip, proto, HOLE_PORT, port, {"SYN"}, "DROPPED",
                                    "pv", direction, svc_dst=svc_dst, node_mac=node_mac[node])
                variants.append((pv_line, drop_line))
            else:
                variants.append(drop_line)
        denied_tpl.extend((weight / len(variants), v) for v in variants)
    return allowed_tpl, denied_tpl


def parse_start(s):
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", s)
    if not m:
        raise SystemExit("--start must be RFC 3339, e.g. 2026-11-20T10:00:00Z")
    tz = "+00:00" if m.group(3) == "Z" else m.group(3)
    dt = datetime.fromisoformat(m.group(1) + tz)
    frac = int((m.group(2) or "0").ljust(9, "0"))
    return int(dt.timestamp()) * 1_000_000_000 + frac


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of lines to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-11-20T10:00:00Z", help="RFC 3339 time of the first flow")
    ap.add_argument("--lean", action="store_true",
                    help="pods get 6-7 labels instead of 9-13 (lines ~1.3 KB instead of ~1.9 KB)")
    args = ap.parse_args()
    n_total = args.n
    rng = random.Random(args.seed)
    t_ns = parse_start(args.start)

    pods = build_cluster(rng, args.lean)
    allowed_tpl, denied_tpl = build_templates(rng, pods)

    # weight the two classes so that ~DROPPED_LINE_SHARE of the lines are DROPPED
    aw = sum(w for w, _ in allowed_tpl)
    dw = sum(w * (2 if len(t) == 2 else 1) for w, t in denied_tpl)  # a pair is 2 lines
    dw_lines_per_pick = dw / sum(w for w, _ in denied_tpl)
    # picks: p_d * L_d / (p_d * L_d + (1 - p_d)) = share  =>  p_d = share / (L_d - share*L_d + share)
    share = DROPPED_LINE_SHARE
    p_d = share / (dw_lines_per_pick - share * dw_lines_per_pick + share)
    templates = [t for _, t in allowed_tpl] + [t for _, t in denied_tpl]
    weights = [w / aw * (1 - p_d) for w, _ in allowed_tpl] + \
              [w / sum(w2 for w2, _ in denied_tpl) * p_d for w, _ in denied_tpl]
    SEQ = 1 << 18
    seq = rng.choices(range(len(templates)), weights=weights, k=SEQ)
    pick = [templates[i] for i in seq]
    PORTS = 1 << 16
    ports = [b"%d" % rng.randint(32768, 60999) for _ in range(PORTS)]
    INC = 1 << 16
    incs = [rng.randint(2_000, 1_998_000) for _ in range(INC)]  # mean ~1 ms -> ~1000 flows/s

    # uuid: the first group is bits 32..63 and the last group a bijective mix of bits 0..47 of x,
    # a 64-bit bijection of the line counter, so uuids are unique. The middle groups are fixed per
    # seed, with valid version-4 and RFC 4122 variant bits.
    srng = random.Random(args.seed ^ 0x5EED)
    seed_mix = srng.getrandbits(64)
    uuid_fmt = b"%%08x-%04x-4%03x-%04x-%%012x" % (srng.getrandbits(16), srng.getrandbits(12),
                                                   0x8000 | srng.getrandbits(14))
    MUL = 0xBF58476D1CE4E5B9  # odd: i -> i*MUL mod 2**64 is a bijection
    MUL2 = 0xD6E8FEB86659FD93  # odd: x -> x*MUL2 mod 2**48 is a bijection of x's low 48 bits
    M64 = 0xFFFFFFFFFFFFFFFF
    M48 = 0xFFFFFFFFFFFF
    NS = 1_000_000_000

    out = sys.stdout.buffer
    cur_sec = -1
    prefix = b""
    sec_end = 0
    chunk = []
    extend = chunk.extend
    join = b"".join
    gmtime = time.gmtime
    strftime = time.strftime
    i = 0
    CHUNK = 4096
    next_flush = CHUNK
    try:
        while i < n_total:
            tpl = pick[i & (SEQ - 1)]
            t_ns += incs[i & (INC - 1)]
            if not t_ns % 1000:
                t_ns += 1  # keep 9 fraction digits (protojson trims trailing zero groups)
            if t_ns >= sec_end:
                cur_sec = t_ns // NS
                sec_end = (cur_sec + 1) * NS
                prefix = strftime("%Y-%m-%dT%H:%M:%S.", gmtime(cur_sec)).encode("ascii")
            ts = b"%s%09dZ" % (prefix, t_ns - cur_sec * NS)
            x = (i * MUL + seed_mix) & M64
            u = uuid_fmt % (x >> 32, (x * MUL2) & M48)  # bits 32..63 and a mix of bits 0..47
            port = ports[(i * 7) & (PORTS - 1)]
            if tpl.__class__ is tuple and len(tpl) == 5:
                extend((tpl[0], ts, tpl[1], u, tpl[2], port, tpl[3], ts, tpl[4]))
                i += 1
            elif i + 1 >= n_total:  # a pair with room for one line: emit just its drop event
                t = tpl[1]
                extend((t[0], ts, t[1], u, t[2], port, t[3], ts, t[4]))
                i += 1
            else:
                t = tpl[0]
                extend((t[0], ts, t[1], u, t[2], port, t[3], ts, t[4]))
                i += 1
                t_ns += 700 + (i & 1023)  # the drop event follows its policy verdict within ~2 us
                if not t_ns % 1000:
                    t_ns += 1
                if t_ns >= sec_end:
                    cur_sec = t_ns // NS
                    sec_end = (cur_sec + 1) * NS
                    prefix = strftime("%Y-%m-%dT%H:%M:%S.", gmtime(cur_sec)).encode("ascii")
                ts = b"%s%09dZ" % (prefix, t_ns - cur_sec * NS)
                x = (i * MUL + seed_mix) & M64
                t = tpl[1]
                extend((t[0], ts, t[1], uuid_fmt % (x >> 32, (x * MUL2) & M48), t[2], port, t[3], ts, t[4]))
                i += 1
            if i >= next_flush:
                out.write(join(chunk))
                chunk.clear()
                next_flush = i + CHUNK
        if chunk:
            out.write(join(chunk))
        out.flush()
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
