#!/usr/bin/env python3
"""Writes 50 NetworkPolicies for the benchmark cluster of generate_flows.py into a directory.

    python3 Benchmarks/make_policies.py OUT_DIR [--cilium]

With --cilium the same 50 policies are written as CiliumNetworkPolicies: the default deny as empty
rules, peers as fromEndpoints/toEndpoints (namespace-scoped, or naming
io.kubernetes.pod.namespace), the ipBlock as a toCIDRSet with except, and toPorts.

Per namespace a default deny (ingress and egress) and a DNS allow (22 policies), plus one policy
per workload (28) allowing ingress from the pods of its namespace and from monitoring on the
workload's ports, and egress within the namespace: realistic shapes (pod and namespace
selectors, both in one peer, ports, an ipBlock with except) at the size of a real policy set.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_flows import WORKLOADS  # noqa: E402

out = sys.argv[1]
cilium = "--cilium" in sys.argv[2:]
os.makedirs(out, exist_ok=True)
namespaces = sorted({w[0] for w in WORKLOADS})
docs = []
for ns in namespaces:
    docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
  namespace: {ns}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
""")
    docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: {ns}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - {{protocol: UDP, port: 53}}
    - {{protocol: TCP, port: 53}}
""")
for ns, name, *_ in WORKLOADS:
    if len(docs) >= 50:
        break
    docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {ns}
spec:
  podSelector:
    matchExpressions:
    - {{key: app, operator: In, values: [{name}]}}
  ingress:
  - from:
    - podSelector: {{}}
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
      podSelector:
        matchLabels:
          app: prometheus
    ports:
    - {{protocol: TCP, port: 80}}
    - {{protocol: TCP, port: 3000, endPort: 3010}}
    - {{protocol: TCP, port: 5432}}
    - {{protocol: TCP, port: 8080}}
    - {{protocol: TCP, port: 9090}}
  egress:
  - to:
    - podSelector: {{}}
  - to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
    ports:
    - {{protocol: TCP, port: 443}}
""")


def cilium_docs():
    result = []
    for ns in namespaces:
        result.append(f"""apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: default-deny-all
  namespace: {ns}
spec:
  endpointSelector: {{}}
  ingress: [{{}}]
  egress: [{{}}]
""")
        result.append(f"""apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: allow-dns
  namespace: {ns}
spec:
  endpointSelector: {{}}
  egress:
  - toEndpoints:
    - matchLabels:
        k8s:io.kubernetes.pod.namespace: kube-system
        k8s:k8s-app: kube-dns
    toPorts:
    - ports:
      - {{port: "53", protocol: UDP}}
      - {{port: "53", protocol: TCP}}
""")
    for ns, name, *_ in WORKLOADS:
        if len(result) >= 50:
            break
        result.append(f"""apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: {name}
  namespace: {ns}
spec:
  endpointSelector:
    matchExpressions:
    - {{key: k8s:app, operator: In, values: [{name}]}}
  ingress:
  - fromEndpoints:
    - {{}}
    - matchLabels:
        k8s:io.kubernetes.pod.namespace: monitoring
        app: prometheus
    toPorts:
    - ports:
      - {{port: "80", protocol: TCP}}
      - {{port: "3000", endPort: 3010, protocol: TCP}}
      - {{port: "5432", protocol: TCP}}
      - {{port: "8080", protocol: TCP}}
      - {{port: "9090", protocol: TCP}}
  egress:
  - toEndpoints:
    - {{}}
  - toCIDRSet:
    - cidr: 0.0.0.0/0
      except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
    toPorts:
    - ports:
      - {{port: "443", protocol: TCP}}
""")
    return result


if cilium:
    docs = cilium_docs()
for index, doc in enumerate(docs):
    with open(os.path.join(out, f"{index:02d}.yaml"), "w") as f:
        f.write(doc)
print(f"{len(docs)} {'CiliumNetworkPolicies' if cilium else 'policies'} written to {out}", file=sys.stderr)
