// libFuzzer entry point for the policy loader (libyaml wrapper, NetworkPolicy and Cilium decoders),
// compiled into one binary with the library sources by Fuzz/run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicyLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let loaded = try? PolicyLoader.load(yaml: text, file: "fuzz.yaml") {
        // Whatever loads must also evaluate without trapping.
        let evaluator = VerdictEvaluator(policies: loaded.policies, ciliumPolicies: loaded.ciliumPolicies)
        var flow = Flow()
        flow.source = Endpoint(namespace: "default", labels: ["k8s:app=a", "k8s:io.kubernetes.pod.namespace=default"])
        flow.destination = Endpoint(namespace: "default", labels: ["k8s:app=b", "k8s:io.kubernetes.pod.namespace=default"])
        flow.l4 = Layer4(proto: .tcp, sourcePort: 40000, destinationPort: 80)
        _ = evaluator.evaluate(flow).explanation
        // And towards the world and from the host, which Cilium's entities and CIDR rules name.
        flow.destination = Endpoint(identity: 2, labels: ["reserved:world"])
        flow.destinationIP = IPAddress("203.0.113.10")
        _ = evaluator.evaluate(flow).explanation
        flow.source = Endpoint(identity: 1, labels: ["reserved:host"])
        _ = evaluator.evaluate(flow).explanation
        _ = PolicyLinter.lint(loaded.policies, ciliumPolicies: loaded.ciliumPolicies, seen: [flow.source, flow.destination])
    }
    return 0
}
