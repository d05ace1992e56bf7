#!/usr/bin/env python3
"""Generate SampleFlows/flows/production.jsonl, a synthetic but realistic Hubble capture.

Deterministic: fixed random seed (SEED), fixed start time 2026-11-20T10:00:00Z, no wall clock.
Python 3 standard library only. Run:  python3 SampleFlows/generate.py

The capture is what `hubble observe -n production --since ... -o json` would print over
about two hours of the seed article's three-tier app in namespace `production`, with the seven
policies in SampleFlows/policies/ applied and enforced. One GetFlowsResponse per line:
{"flow":{...},"node_name":"...","time":"..."}, plus two {"lost_events":...} lines.

MALFORMED LINES (fixed, 1-based line numbers in the output file):
  line  512: a truncated JSON object (a flow line cut off mid-object, no closing braces)
  line 1777: a line of plain text (a logfmt warning, not JSON)
  line 2999: a syntactically valid flow whose "verdict" is an object {} (wrong type)
Only 512 and 1777 are JSON syntax errors (jq reports those); 2999 parses as JSON and
must be rejected by a type-checking decoder.

Realism notes (what real Hubble does, kept here on purpose):
- Keys use the proto names (snake_case, plus IP, Type, ID, ipVersion, Summary, TCP/UDP, flag keys);
  zero values are omitted (so policy_match_type 0 and event_type.sub_type 0 never appear).
- Drop events (event_type.type 1) and DROPPED policy verdicts carry no is_reply (Hubble leaves it
  unknown for drops); forwarded policy verdicts have is_reply false; trace events have it set.
- traffic_direction of trace events follows Cilium's rule: EGRESS iff (observed at the packet's
  source endpoint) XOR is_reply. So a reply arriving at the client is EGRESS.
- Endpoint "ID" is present only for endpoints local to the node that reports the event.
- Deployment pods carry k8s:pod-template-hash=..., the StatefulSet pod carries
  k8s:controller-revision-hash=... and k8s:statefulset.kubernetes.io/pod-name=...: volatile labels a
  report must strip before grouping (a default Cilium install would filter them out of identities).
"""

import json
import os
import random
import sys
from datetime import datetime, timezone

SEED = 20261120
START = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)
START_NS = int(START.timestamp()) * 1_000_000_000
DURATION_S = 2 * 3600

MALFORMED_TRUNCATED_LINE = 512
MALFORMED_TEXT_LINE = 1777
MALFORMED_VERDICT_LINE = 2999

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "flows", "production.jsonl")

rng = random.Random(SEED)

NS = 1_000_000_000
MS = 1_000_000
US = 1_000


def sec(s):
    return int(s * NS)


# --------------------------------------------------------------------------------------------
# helpers


def new_uuid():
    v = rng.getrandbits(128)
    v &= ~(0xF << 76)
    v |= 0x4 << 76  # version 4
    v &= ~(0x3 << 62)
    v |= 0x2 << 62  # RFC 4122 variant
    h = "%032x" % v
    return "%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])


def fmt_time(t_ns):
    """RFC 3339 UTC like Go protojson: fraction of 0, 3, 6 or 9 digits."""
    s, frac = divmod(t_ns, NS)
    base = datetime.fromtimestamp(s, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if frac == 0:
        return base + "Z"
    if frac % MS == 0:
        return "%s.%03dZ" % (base, frac // MS)
    if frac % US == 0:
        return "%s.%06dZ" % (base, frac // US)
    return "%s.%09dZ" % (base, frac)


def rand_mac():
    b = [rng.randrange(256) for _ in range(6)]
    b[0] = (b[0] & 0xFC) | 0x02  # locally administered unicast
    return ":".join("%02x" % x for x in b)


def rand_hex(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def ephemeral_port():
    return rng.randint(32768, 60999)


# --------------------------------------------------------------------------------------------
# the cluster

NODES = ["prod-worker-1", "prod-worker-2", "prod-worker-3"]
NODE_MAC = {n: rand_mac() for n in NODES}  # cilium_host / gateway MAC per node

NAMESPACE_LABELS = {
    "production": ["kubernetes.io/metadata.name=production"],
    "kube-system": ["kubernetes.io/metadata.name=kube-system"],
    "ingress-nginx": [
        "app.kubernetes.io/instance=ingress-nginx",
        "app.kubernetes.io/name=ingress-nginx",
        "kubernetes.io/metadata.name=ingress-nginx",
    ],
    "monitoring": ["kubernetes.io/metadata.name=monitoring"],
}


class Pod:
    def __init__(self, name, namespace, node, ip, identity, pod_labels, sa, workload=None):
        self.name = name
        self.namespace = namespace
        self.node = node
        self.ip = ip
        self.identity = identity
        self.ep_id = rng.randint(40, 3999)
        self.mac = rand_mac()
        self.lxc = ("lxc" + rand_hex(12), rng.randint(9, 60))
        labels = ["k8s:%s" % l for l in pod_labels]
        labels += ["k8s:io.cilium.k8s.namespace.labels.%s" % l for l in NAMESPACE_LABELS[namespace]]
        labels += [
            "k8s:io.cilium.k8s.policy.cluster=default",
            "k8s:io.cilium.k8s.policy.serviceaccount=%s" % sa,
            "k8s:io.kubernetes.pod.namespace=%s" % namespace,
        ]
        self.labels = sorted(labels)
        self.workload = workload  # (name, kind) or None
        self.world = False

    def endpoint(self, local_node):
        ep = {}
        if self.node == local_node:
            ep["ID"] = self.ep_id
        ep["identity"] = self.identity
        ep["namespace"] = self.namespace
        ep["labels"] = list(self.labels)
        ep["pod_name"] = self.name
        if self.workload:
            ep["workloads"] = [{"name": self.workload[0], "kind": self.workload[1]}]
        return ep


class World:
    """An address outside the cluster (identity 2, or a node-local CIDR identity)."""

    def __init__(self, ip, identity=2, cidr_label=False):
        self.ip = ip
        self.identity = identity
        self.labels = (["cidr:%s/32" % ip] if cidr_label else []) + ["reserved:world"]
        self.node = None
        self.world = True
        self.mac = None
        self.name = ip
        self.namespace = ""

    def endpoint(self, local_node):
        return {"identity": self.identity, "labels": list(self.labels)}


FE_HASH = "6b8f9c7d4f"
API_HASH = "5c9d8b7f64"
DNS_HASH = "5d78c9869d"
NGINX_HASH = "7d9b8c6f5d"
PROM_HASH = "6c5f8d7b9d"

frontend = [
    Pod("frontend-%s-2xkqp" % FE_HASH, "production", "prod-worker-1", "10.0.1.23", 48213,
        ["app=frontend", "tier=web", "pod-template-hash=" + FE_HASH], "frontend", ("frontend", "Deployment")),
    Pod("frontend-%s-r7tzm" % FE_HASH, "production", "prod-worker-2", "10.0.2.41", 48213,
        ["app=frontend", "tier=web", "pod-template-hash=" + FE_HASH], "frontend", ("frontend", "Deployment")),
]
api = [
    Pod("api-%s-hm4ks" % API_HASH, "production", "prod-worker-1", "10.0.1.57", 23117,
        ["app=api", "tier=backend", "pod-template-hash=" + API_HASH], "api", ("api", "Deployment")),
    Pod("api-%s-x9pl2" % API_HASH, "production", "prod-worker-3", "10.0.3.77", 23117,
        ["app=api", "tier=backend", "pod-template-hash=" + API_HASH], "api", ("api", "Deployment")),
]
database = Pod("database-0", "production", "prod-worker-2", "10.0.2.15", 61740,
               ["app=database", "tier=data", "controller-revision-hash=database-7c9f6d8b5",
                "statefulset.kubernetes.io/pod-name=database-0"], "database", ("database", "StatefulSet"))
test_pod = Pod("test-pod", "production", "prod-worker-1", "10.0.1.201", 9184,
               ["app=test-pod", "run=test-pod"], "default", None)
coredns = [
    Pod("coredns-%s-8kq2w" % DNS_HASH, "kube-system", "prod-worker-1", "10.0.1.4", 102,
        ["k8s-app=kube-dns"], "coredns", ("coredns", "Deployment")),
    Pod("coredns-%s-tz5nv" % DNS_HASH, "kube-system", "prod-worker-3", "10.0.3.9", 102,
        ["k8s-app=kube-dns"], "coredns", ("coredns", "Deployment")),
]
nginx = Pod("ingress-nginx-controller-%s-w4hzk" % NGINX_HASH, "ingress-nginx", "prod-worker-3", "10.0.3.88", 31458,
            ["app.kubernetes.io/component=controller", "app.kubernetes.io/instance=ingress-nginx",
             "app.kubernetes.io/name=ingress-nginx"], "ingress-nginx", ("ingress-nginx-controller", "Deployment"))
prometheus = Pod("prometheus-server-%s-q2w8x" % PROM_HASH, "monitoring", "prod-worker-2", "10.0.2.130", 52861,
                 ["app=prometheus", "component=server", "release=prometheus"], "prometheus-server",
                 ("prometheus-server", "Deployment"))

payment_a = World("203.0.113.10", 16777217, cidr_label=True)
payment_b = World("203.0.113.77", 16777218, cidr_label=True)
old_payment = World("198.51.100.1")
scanners = [World(ip) for ip in ("10.8.14.163", "10.8.14.171", "10.8.22.7", "172.31.200.14")]

production_pods = frontend + api + [database]

# Kubernetes Services (name, namespace) by backend workload, with their target port. Hubble
# names a service only when the address:port matches one, so only the server side of a
# connection on the service port carries it (destination_service on requests, source_service
# on replies); prometheus scrapes on :9090 name no service.
SERVICES = {
    ("kube-system", "coredns", 53): {"name": "kube-dns", "namespace": "kube-system"},
    ("production", "api", 3000): {"name": "api", "namespace": "production"},
    ("production", "database", 5432): {"name": "database", "namespace": "production"},
    ("production", "frontend", 8080): {"name": "frontend", "namespace": "production"},
}


def service_of(pod, port):
    if pod.world or pod.workload is None:
        return None
    return SERVICES.get((pod.namespace, pod.workload[0], port))


POLICY_REVISION = "23"
POLICY_UID = {}


def policy_ref(name):
    if name not in POLICY_UID:
        POLICY_UID[name] = new_uuid()
    return {
        "name": name,
        "namespace": "production",
        "labels": sorted([
            "k8s:io.cilium.k8s.policy.derived-from=NetworkPolicy",
            "k8s:io.cilium.k8s.policy.name=%s" % name,
            "k8s:io.cilium.k8s.policy.namespace=production",
            "k8s:io.cilium.k8s.policy.uid=%s" % POLICY_UID[name],
        ]),
        "revision": POLICY_REVISION,
        "kind": "NetworkPolicy",
    }


for _p in ("default-deny-all", "allow-dns", "frontend-policy", "api-policy", "database-policy",
           "allow-prometheus-scrape", "api-external-egress"):
    policy_ref(_p)


def egress_policy(src, dst, port):
    """Name of the production policy allowing src's egress, or None (no egress enforcement)."""
    if src.world or src.namespace != "production":
        return None
    if not dst.world and dst.namespace == "kube-system" and port == 53:
        return "allow-dns"
    app = dict(l.split("=", 1) for l in src.labels if l.startswith("k8s:app="))["k8s:app"]
    if app == "frontend":
        return "frontend-policy"
    if app == "api" and not dst.world:
        return "api-policy"
    if app == "api" and dst.world:
        return "api-external-egress"
    raise ValueError("no egress policy for %s" % src.name)


def ingress_policy(src, dst, port):
    if dst.world or dst.namespace != "production":
        return None
    if port == 9090:
        return "allow-prometheus-scrape"
    app = dict(l.split("=", 1) for l in dst.labels if l.startswith("k8s:app="))["k8s:app"]
    return {"frontend": "frontend-policy", "api": "api-policy", "database": "database-policy"}[app]


# --------------------------------------------------------------------------------------------
# record builders

records = []  # (time_ns, seq, kind, obj); kind: "flow" | "lost"
_seq = [0]
pairs = [0]


def emit(t_ns, obj, kind="flow"):
    _seq[0] += 1
    records.append((t_ns, _seq[0], kind, obj))


FLAG_ORDER = ["FIN", "SYN", "RST", "PSH", "ACK"]  # proto declaration order (JSON key order)
SUMMARY_ORDER = ["SYN", "ACK", "RST", "FIN", "PSH"]  # Hubble's Summary text order


def l4_and_summary(proto, sport, dport, flags):
    if proto == "UDP":
        return {"UDP": {"source_port": sport, "destination_port": dport}}, "UDP"
    fl = {f: True for f in FLAG_ORDER if f in flags}
    summary = "TCP Flags: " + ", ".join(f for f in SUMMARY_ORDER if f in flags)
    return {"TCP": {"source_port": sport, "destination_port": dport, "flags": fl}}, summary


def base_flow(t_ns, node, src, dst, proto, sport, dport, flags, verdict):
    l4, summary = l4_and_summary(proto, sport, dport, flags)
    f = {"time": fmt_time(t_ns), "uuid": new_uuid(), "verdict": verdict}
    if verdict == "DROPPED":
        f["drop_reason"] = 133
    f["ethernet"] = {"source": src.mac or NODE_MAC[node], "destination": dst.mac or NODE_MAC[node]}
    f["IP"] = {"source": src.ip, "destination": dst.ip, "ipVersion": "IPv4"}
    f["l4"] = l4
    f["source"] = src.endpoint(node)
    f["destination"] = dst.endpoint(node)
    f["Type"] = "L3_L4"
    f["node_name"] = node
    return f, summary


def add_services(f, src, dst, sport, dport):
    s, d = service_of(src, sport), service_of(dst, dport)
    if s:
        f["source_service"] = dict(s)
    if d:
        f["destination_service"] = dict(d)


def trace_record(t_ns, node, point, src, dst, proto, sport, dport, flags, is_reply, reason):
    """A trace event (event_type 4). point: TO_ENDPOINT | TO_OVERLAY | TO_STACK."""
    f, summary = base_flow(t_ns, node, src, dst, proto, sport, dport, flags, "FORWARDED")
    if is_reply:
        f["reply"] = True  # deprecated field, still written when true
    sub = {"TO_ENDPOINT": 0, "TO_STACK": 3, "TO_OVERLAY": 4}[point]
    f["event_type"] = {"type": 4, "sub_type": sub} if sub else {"type": 4}
    add_services(f, src, dst, sport, dport)
    observed_at_source = (src.node == node) and point != "TO_ENDPOINT"
    f["traffic_direction"] = "EGRESS" if (observed_at_source != is_reply) else "INGRESS"
    f["trace_observation_point"] = point
    f["trace_reason"] = reason
    f["is_reply"] = is_reply
    if point == "TO_ENDPOINT":
        f["interface"] = {"index": dst.lxc[1], "name": dst.lxc[0]}
    elif point == "TO_OVERLAY":
        f["interface"] = {"index": 6, "name": "cilium_vxlan"}
    f["Summary"] = summary
    emit(t_ns, {"flow": f, "node_name": node, "time": f["time"]})


def verdict_allowed(t_ns, node, direction, src, dst, proto, sport, dport, policy):
    flags = {"SYN"} if proto == "TCP" else set()
    f, summary = base_flow(t_ns, node, src, dst, proto, sport, dport, flags, "FORWARDED")
    f["event_type"] = {"type": 5}
    add_services(f, src, dst, sport, dport)
    f["traffic_direction"] = direction
    f["policy_match_type"] = 2  # L3-L4: every seed rule has both a peer and ports
    f["is_reply"] = False
    f["Summary"] = summary
    key = "egress_allowed_by" if direction == "EGRESS" else "ingress_allowed_by"
    f[key] = [policy_ref(policy)]
    emit(t_ns, {"flow": f, "node_name": node, "time": f["time"]})


def drop(t_ns, src, dst, dport, sport, direction, with_verdict):
    """A POLICY_DENIED drop of a TCP SYN, optionally preceded by its policy-verdict record."""
    node = src.node if direction == "EGRESS" else dst.node
    if with_verdict:
        f, summary = base_flow(t_ns, node, src, dst, "TCP", sport, dport, {"SYN"}, "DROPPED")
        f["event_type"] = {"type": 5}
        add_services(f, src, dst, sport, dport)
        f["traffic_direction"] = direction
        # policy_match_type 0 ("none") is the zero value and therefore omitted
        f["drop_reason_desc"] = "POLICY_DENIED"
        f["Summary"] = summary
        emit(t_ns, {"flow": f, "node_name": node, "time": f["time"]})
        t_ns += rng.randint(300, 2500)
        pairs[0] += 1
    f, summary = base_flow(t_ns, node, src, dst, "TCP", sport, dport, {"SYN"}, "DROPPED")
    f["event_type"] = {"type": 1, "sub_type": 133}
    add_services(f, src, dst, sport, dport)
    f["traffic_direction"] = direction
    f["file"] = {"name": "bpf_lxc.c", "line": 1361 if direction == "EGRESS" else 2107}
    f["drop_reason_desc"] = "POLICY_DENIED"
    f["Summary"] = summary
    emit(t_ns, {"flow": f, "node_name": node, "time": f["time"]})


def denied_attempt(t_ns, src, dst, dport, direction, retries, pv_prob=0.85):
    """A client retrying a denied SYN: TCP retransmits after 1 s, 2 s, 4 s ... same source port."""
    sport = ephemeral_port()
    backoff = 1.0
    for i in range(retries + 1):
        drop(t_ns, src, dst, dport, sport, direction, with_verdict=(rng.random() < pv_prob))
        t_ns += sec(backoff) + rng.randint(0, 3 * MS)
        backoff *= 2


def packet(t_ns, client, server, proto, cport, sport_srv, flags, is_reply, reason, pv=None):
    """One packet of an allowed connection, as seen on every node that observes it.

    Returns the time at which the packet reached its destination.
    pv: (egress_policy, ingress_policy) to emit policy-verdict ALLOWED records (first packet only).
    """
    if is_reply:
        src, dst, sp, dp = server, client, sport_srv, cport
    else:
        src, dst, sp, dp = client, server, cport, sport_srv
    port = sport_srv
    t = t_ns
    if src.world:
        # arrives from outside: only the destination node reports it
        trace_record(t + rng.randint(20, 80) * US, dst.node, "TO_ENDPOINT", src, dst, proto, sp, dp, flags,
                     is_reply, reason)
        return t
    if pv and pv[0]:
        verdict_allowed(t, src.node, "EGRESS", src, dst, proto, sp, dp, pv[0])
        t += rng.randint(2, 9) * US
    if dst.world:
        trace_record(t, src.node, "TO_STACK", src, dst, proto, sp, dp, flags, is_reply, reason)
        return t
    if src.node == dst.node:
        t += rng.randint(3, 15) * US
        if pv and pv[1]:
            verdict_allowed(t, dst.node, "INGRESS", src, dst, proto, sp, dp, pv[1])
            t += rng.randint(2, 9) * US
        trace_record(t, dst.node, "TO_ENDPOINT", src, dst, proto, sp, dp, flags, is_reply, reason)
        return t
    trace_record(t, src.node, "TO_OVERLAY", src, dst, proto, sp, dp, flags, is_reply, reason)
    t += rng.randint(120, 450) * US
    if pv and pv[1]:
        verdict_allowed(t, dst.node, "INGRESS", src, dst, proto, sp, dp, pv[1])
        t += rng.randint(2, 9) * US
    trace_record(t, dst.node, "TO_ENDPOINT", src, dst, proto, sp, dp, flags, is_reply, reason)
    return t


def rtt(client, server):
    if client.world or server.world:
        return rng.randint(18, 45) * MS
    return rng.randint(300, 1500) * US


def tcp_connection(t_ns, client, server, port, pv_prob, exchanges=1, close=True):
    """A short TCP connection: handshake, request/response exchanges, FIN."""
    cport = ephemeral_port()
    pv = None
    if rng.random() < pv_prob:
        pv = (egress_policy(client, server, port), ingress_policy(client, server, port))
    t = t_ns
    packet(t, client, server, "TCP", cport, port, {"SYN"}, False, "NEW", pv)
    t += rtt(client, server)
    packet(t, client, server, "TCP", cport, port, {"SYN", "ACK"}, True, "REPLY")
    t += rng.randint(40, 200) * US
    for _ in range(exchanges):
        packet(t, client, server, "TCP", cport, port, {"ACK", "PSH"}, False, "ESTABLISHED")
        t += rtt(client, server) + rng.randint(1, 30) * MS
        packet(t, client, server, "TCP", cport, port, {"ACK", "PSH"}, True, "REPLY")
        t += rng.randint(1, 20) * MS
    if close:
        packet(t, client, server, "TCP", cport, port, {"ACK", "FIN"}, False, "ESTABLISHED")
        t += rtt(client, server)
        packet(t, client, server, "TCP", cport, port, {"ACK", "FIN"}, True, "REPLY")
    return t


def keepalive_exchange(t_ns, client, server, cport, port):
    """A request/response on a long-lived (pooled / keep-alive) connection."""
    packet(t_ns, client, server, "TCP", cport, port, {"ACK", "PSH"}, False, "ESTABLISHED")
    t = t_ns + rtt(client, server) + rng.randint(1, 40) * MS
    packet(t, client, server, "TCP", cport, port, {"ACK", "PSH"}, True, "REPLY")


def dns_lookup(t_ns, client, pv_prob=0.4):
    server = rng.choice(coredns)
    tcp = rng.random() < 0.08
    if tcp:  # truncated answer retried over TCP
        return tcp_connection(t_ns, client, server, 53, pv_prob)
    n = 2 if rng.random() < 0.5 else 1  # A + AAAA from the same socket
    cport = ephemeral_port()
    pv = (egress_policy(client, server, 53), None) if rng.random() < pv_prob else None
    t = t_ns
    for i in range(n):
        packet(t, client, server, "UDP", cport, 53, set(), False, "NEW" if i == 0 else "ESTABLISHED",
               pv if i == 0 else None)
        t += rng.randint(150, 900) * US
        packet(t, client, server, "UDP", cport, 53, set(), True, "REPLY")
        t += rng.randint(50, 300) * US
    return t


def poisson_times(rate_per_s, t0=0.0, t1=DURATION_S):
    t = t0
    out = []
    while True:
        t += rng.expovariate(rate_per_s)
        if t >= t1:
            return out
        out.append(t)


def periodic(period_s, jitter_s, t0=0.0, t1=DURATION_S):
    t = t0 + rng.uniform(0, period_s)
    out = []
    while t < t1:
        out.append(t + rng.uniform(-jitter_s, jitter_s))
        t += period_s
    return [x for x in out if t0 <= x < t1]


def at(s):
    return START_NS + sec(s) + rng.randint(0, 999_999)


# --------------------------------------------------------------------------------------------
# the scenario

TEST_POD_START = 41 * 60 + 17  # 10:41:17 kubectl run test-pod
TEST_POD_END = 105 * 60 + 40   # 11:45:40 pod deleted
SCAN1 = 52 * 60 + 3            # 10:52:03 first port scan
SCAN2 = 94 * 60 + 31           # 11:34:31 second, narrower scan
SCAN_PORTS = [22, 80, 443, 3000, 3306, 5432, 6379, 8080, 9090, 8443, 9200, 27017, 2379, 10250, 5000, 8000]

# ingress-nginx -> frontend:8080 (new upstream connections + keep-alive requests)
for s in poisson_times(1 / 300.0):
    tcp_connection(at(s), nginx, rng.choice(frontend), 8080, pv_prob=0.5, exchanges=rng.randint(1, 2))
nginx_keepalive = [(fe, ephemeral_port()) for fe in frontend]
for s in poisson_times(1 / 60.0):
    fe, cp = rng.choice(nginx_keepalive)
    keepalive_exchange(at(s), nginx, fe, cp, 8080)

# frontend -> api:3000
for s in poisson_times(1 / 160.0):
    tcp_connection(at(s), rng.choice(frontend), rng.choice(api), 3000, pv_prob=0.5, exchanges=rng.randint(1, 2))

# api -> database:5432 over a connection pool (long-lived connections, no handshakes) ...
pool = [(a, ephemeral_port()) for a in api for _ in range(2)]
for s in poisson_times(1 / 90.0):
    a, cp = rng.choice(pool)
    keepalive_exchange(at(s), a, database, cp, 5432)
# ... and the occasional new pool connection
for s in poisson_times(1 / 1800.0):
    tcp_connection(at(s), rng.choice(api), database, 5432, pv_prob=1.0, exchanges=1, close=False)

# DNS from every production pod (the test pod only while it exists)
for pod in production_pods:
    for s in poisson_times(1 / 400.0):
        dns_lookup(at(s), pod)
for s in poisson_times(1 / 240.0, TEST_POD_START, TEST_POD_END):
    dns_lookup(at(s), test_pod)

# prometheus scrapes every production pod on :9090 (every 5 min in this capture; mostly on
# reused keep-alive connections, sometimes on a new one)
scrape_conns = {p.name: ephemeral_port() for p in production_pods}
for pod in production_pods:
    for s in periodic(300.0, 2.0):
        if rng.random() < 0.12:
            tcp_connection(at(s), prometheus, pod, 9090, pv_prob=0.7, exchanges=1, close=False)
        else:
            keepalive_exchange(at(s), prometheus, pod, scrape_conns[pod.name], 9090)

# api -> payment processor 203.0.113.10 / .77 :443 (allowed by api-external-egress)
for s in poisson_times(1 / 220.0):
    tcp_connection(at(s), rng.choice(api), rng.choice([payment_a, payment_b]), 443, pv_prob=0.6,
                   exchanges=rng.randint(1, 3))

# ---- denied traffic ------------------------------------------------------------------------

# frontend -> database:5432, a stale code path in the frontend (frontend egress only allows api)
for s in periodic(600.0, 90.0):
    denied_attempt(at(s), rng.choice(frontend), database, 5432, "EGRESS", retries=rng.randint(1, 3))

# api -> 198.51.100.1:443, the old payment endpoint outside the allowed ipBlock
for s in periodic(900.0, 60.0):
    denied_attempt(at(s), rng.choice(api), old_payment, 443, "EGRESS", retries=rng.randint(2, 3))

# database -> 203.0.113.10:443 (database-policy has egress: [])
for s in periodic(1500.0, 120.0):
    denied_attempt(at(s), database, payment_a, 443, "EGRESS", retries=2)

# world -> frontend:8080, clients hitting the pods directly (only ingress-nginx may)
for s in poisson_times(1 / 330.0):
    denied_attempt(at(s), rng.choice(scanners), rng.choice(frontend), 8080, "INGRESS",
                   retries=rng.randint(0, 2), pv_prob=0.6)

# test-pod: the article's checks, then a port scan of every production pod
t = TEST_POD_START + 25
dns_lookup(at(t), test_pod)
denied_attempt(at(t + 1), test_pod, api[0], 3000, "EGRESS", retries=2)  # wget api.production.svc:3000
t += 40
dns_lookup(at(t), test_pod)
denied_attempt(at(t + 1), test_pod, database, 5432, "EGRESS", retries=2)  # wget database...:5432


def port_scan(t0, targets, ports, lost_after=None):
    """nmap-style SYN scan: each probe dropped at the test pod's egress, one retry if unanswered."""
    t = at(t0)
    n = 0
    for pod in targets:
        for port in ports:
            sport = ephemeral_port()
            drop(t, test_pod, pod, port, sport, "EGRESS", with_verdict=rng.random() < 0.8)
            t += rng.randint(8, 60) * MS
            n += 1
            if rng.random() < 0.45:
                drop(t + sec(1.0), test_pod, pod, port, sport, "EGRESS", with_verdict=rng.random() < 0.5)
            if lost_after and n in lost_after:
                lt = t + rng.randint(100, 900) * US
                emit(lt, {"lost_events": {"source": "HUBBLE_RING_BUFFER", "num_events_lost": lost_after[n]},
                          "node_name": test_pod.node, "time": fmt_time(lt)}, kind="lost")
        t += sec(rng.uniform(2, 6))


port_scan(SCAN1, production_pods, SCAN_PORTS, lost_after={23: "3", 61: "3"})
port_scan(SCAN2, api + [database], [22, 3000, 5432, 6379, 8080, 9090])

# --------------------------------------------------------------------------------------------
# output

records.sort(key=lambda r: (r[0], r[1]))
lines = [json.dumps(r[3], separators=(",", ":")) for r in records]
objs = [r[3] for r in records]


def is_pv_drop(o):
    f = o.get("flow")
    return bool(f) and f["verdict"] == "DROPPED" and f["event_type"]["type"] == 5


# every DROPPED policy verdict must be immediately followed by its drop event (same 5-tuple)
for i, o in enumerate(objs):
    if is_pv_drop(o):
        nxt = objs[i + 1].get("flow")
        assert nxt and nxt["event_type"]["type"] == 1, "pair split at record %d" % i
        assert nxt["IP"] == o["flow"]["IP"] and nxt["l4"] == o["flow"]["l4"]


def malformed_source():
    """A fresh forwarded DNS flow used as the base of the two JSON-shaped malformed lines."""
    mark = len(records)
    dns_lookup(START_NS + sec(1), frontend[0], pv_prob=0.0)
    extra = [r[3] for r in records[mark:]]
    del records[mark:]
    return extra[0]


truncated_src = malformed_source()
text_line = ('level=warning msg="Error while receiving flows, retrying" '
             'error="rpc error: code = Unavailable desc = error reading from server: EOF" subsys=hubble-observe')
bad_verdict = malformed_source()


def insert_at(line_no, text):
    idx = line_no - 1
    prev = objs[idx - 1] if idx - 1 < len(objs) else None
    assert idx <= len(lines), "capture too short for line %d" % line_no
    assert prev is None or not is_pv_drop(prev), "line %d would split a drop pair" % line_no
    lines.insert(idx, text)
    objs.insert(idx, {"malformed": True})


# give the JSON-shaped malformed records times that fit where they are inserted
def retime(obj, around_obj):
    tm = around_obj["time"]
    obj["flow"]["time"] = tm
    obj["time"] = tm


retime(truncated_src, objs[MALFORMED_TRUNCATED_LINE - 2])
full = json.dumps(truncated_src, separators=(",", ":"))
truncated = full[: int(len(full) * 0.58)]
insert_at(MALFORMED_TRUNCATED_LINE, truncated)
insert_at(MALFORMED_TEXT_LINE, text_line)
retime(bad_verdict, objs[MALFORMED_VERDICT_LINE - 2])
bad_verdict["flow"]["verdict"] = {}
insert_at(MALFORMED_VERDICT_LINE, json.dumps(bad_verdict, separators=(",", ":")))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w", encoding="utf-8", newline="\n") as fh:
    for line in lines:
        fh.write(line + "\n")

# summary --------------------------------------------------------------------------------------
flows = [o["flow"] for o in objs if "flow" in o and isinstance(o["flow"].get("verdict"), str)]
lost = [o for o in objs if "lost_events" in o]
by_verdict = {}
for f in flows:
    by_verdict[f["verdict"]] = by_verdict.get(f["verdict"], 0) + 1
drops_t1 = sum(1 for f in flows if f["verdict"] == "DROPPED" and f["event_type"]["type"] == 1)
pv_dropped = sum(1 for f in flows if f["verdict"] == "DROPPED" and f["event_type"]["type"] == 5)
pv_allowed = sum(1 for f in flows if f["verdict"] == "FORWARDED" and f["event_type"]["type"] == 5)
replies = sum(1 for f in flows if f.get("is_reply") is True)
uuids = [f["uuid"] for f in flows]
assert len(set(uuids)) == len(uuids)
print("wrote %s" % os.path.relpath(OUT))
print("lines=%d valid_flows=%d lost_events=%d malformed=3 (lines %d, %d, %d)" % (
    len(lines), len(flows), len(lost), MALFORMED_TRUNCATED_LINE, MALFORMED_TEXT_LINE, MALFORMED_VERDICT_LINE))
print("verdicts=%s dropped_share=%.1f%%" % (
    json.dumps(by_verdict, sort_keys=True), 100.0 * by_verdict.get("DROPPED", 0) / len(flows)))
print("drop_events(type1)=%d policy_verdict_dropped(type5)=%d drop_pairs=%d drop_only=%d" % (
    drops_t1, pv_dropped, pairs[0], drops_t1 - pairs[0]))
print("policy_verdict_allowed=%d replies=%d first=%s last=%s" % (
    pv_allowed, replies, flows[0]["time"], flows[-1]["time"]))
