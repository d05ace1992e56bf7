import Testing
import FlowlogModel
import FlowlogStore
import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// `policy suggest` on generated histories: every recorded FORWARDED request stays allowed, and
/// the pod pairs and ports never recorded are (almost all) denied.
@Suite struct SuggestionPropertyTests {
    /// A generated cluster and what it recorded.
    struct History {
        var pods: [Endpoint] = []
        var connections: [ConnectionCount] = []
        var requests: Set<Request> = []
        var ports: [(L4Protocol, UInt16)] = []

        struct Request: Hashable {
            var source: String, destination: String, proto: L4Protocol, port: UInt16
        }
    }

    /// 3 to 5 namespaces with 2 to 5 workloads of 1 to 3 pods each (per-pod labels included; one
    /// workload's labels extending another's; an unlabelled pod), a
    /// DNS service in kube-system, outside servers, and random requests among them on a pool of
    /// TCP and UDP ports, each with its reply; some policy drops too.
    static func history(seed: UInt64) -> History {
        var random = SeededGenerator(seed: seed)
        var history = History()
        let dns = Cluster.pod("kube-system", ["k8s-app": "kube-dns", "pod-template-hash": "d1"], name: "coredns-d1-a")
        history.pods.append(dns)
        var workloads: [[Endpoint]] = []
        for namespaceIndex in 0..<Int.random(in: 3...5, using: &random) {
            for workloadIndex in 0..<Int.random(in: 2...5, using: &random) {
                let app = "app\(namespaceIndex)-\(workloadIndex)"
                let replicas = Int.random(in: 1...3, using: &random)
                let pods = (0..<replicas).map { replica in
                    Cluster.pod("ns\(namespaceIndex)", ["app": app, "tier": ["web", "backend", "data"][workloadIndex % 3],
                                                      "pod-template-hash": "h\(replica)"], name: "\(app)-h\(replica)-x")
                }
                workloads.append(pods)
                history.pods += pods
            }
            // A workload whose labels extend another's, and (once) a pod with no label a selector
            // can name: no selector may reach the other's pods.
            let base = "app\(namespaceIndex)-0"
            var extra = [[Cluster.pod("ns\(namespaceIndex)", ["app": base, "component": "worker", "pod-template-hash": "w"],
                                      name: "\(base)-worker-x")]]
            if namespaceIndex == 0 { extra.append([Cluster.pod("ns0", ["pod-template-hash": "b"], name: "bare-b-x")]) }
            workloads += extra
            history.pods += extra.flatMap { $0 }
        }
        history.ports = [(.tcp, 80), (.tcp, 443), (.tcp, 3000), (.tcp, 3001), (.tcp, 3002), (.tcp, 5432), (.tcp, 6379),
                         (.tcp, 8080), (.tcp, 9090), (.udp, 514), (.udp, 8125), (.tcp, 22)]
        let outside = ["203.0.113.10", "203.0.113.77", "198.51.100.1", "192.0.2.55"]
        var at: Int64 = 1_000
        func record(_ client: Endpoint, _ server: Endpoint, serverIP: String? = nil, proto: L4Protocol, port: UInt16,
                    random: inout SeededGenerator) {
            let count = Int64.random(in: 1...50, using: &random)
            at += Int64.random(in: 1...600, using: &random)
            history.connections.append(SuggestionFixtures.connection(client, server, destinationIP: serverIP, proto: proto, port: port,
                                                                     count: count, at: at))
            history.connections.append(SuggestionFixtures.connection(server, client, sourceIP: serverIP, proto: proto, port: port,
                                                                     reply: true, count: count, at: at))
            history.requests.insert(History.Request(source: client.podName, destination: server.podName, proto: proto, port: port))
        }
        // Each workload talks to a few others on one or two ports, from some of its pods.
        for client in workloads {
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                guard let server = workloads.randomElement(using: &random), server != client else { continue }
                for _ in 0..<Int.random(in: 1...2, using: &random) {
                    guard let (proto, port) = history.ports.randomElement(using: &random) else { continue }
                    for pod in client where Bool.random(using: &random) || pod == client[0] {
                        guard let target = server.randomElement(using: &random) else { continue }
                        record(pod, target, proto: proto, port: port, random: &random)
                    }
                }
            }
            if Bool.random(using: &random) { record(client[0], dns, proto: .udp, port: 53, random: &random) }
            if Int.random(in: 0..<4, using: &random) == 0, let address = outside.randomElement(using: &random) {
                record(client[0], Cluster.world, serverIP: address, proto: .tcp, port: 443, random: &random)
            }
        }
        // Policy drops of requests never forwarded.
        for _ in 0..<10 {
            guard let source = history.pods.randomElement(using: &random), let destination = history.pods.randomElement(using: &random),
                  let (proto, port) = history.ports.randomElement(using: &random) else { continue }
            history.connections.append(SuggestionFixtures.connection(source, destination, proto: proto, port: port, verdict: .dropped))
        }
        return history
    }

    static let seeds: [UInt64] = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]

    @Test(arguments: seeds)
    func everyRecordedRequestStaysAllowedAndTheRestIsMostlyDenied(seed: UInt64) throws {
        let history = Self.history(seed: seed)
        let suggestion = PolicySuggester.suggest(history.connections)
        let evaluator = VerdictEvaluator(policies: suggestion.policies)

        // Every recorded FORWARDED request, judged flow by flow by the evaluator (not through replay).
        for connection in history.connections where connection.verdict == .forwarded && connection.isReply == false {
            var flow = Flow()
            flow.source = connection.source
            flow.destination = connection.destination
            flow.destinationIP = connection.destinationIP
            flow.l4 = Layer4(proto: connection.proto, sourcePort: 40000, destinationPort: connection.port)
            flow.isReply = false
            let evaluation = evaluator.evaluate(flow)
            #expect(evaluation.decision == .allowed, "\(connection.source.podName) → \(connection.destination.podName):\(connection.port): \(evaluation.explanation)")
        }

        // Least privilege: pod pairs of different workloads and pool ports never recorded.
        var neverRecorded = 0
        var denied = 0
        let subjects = history.pods.map { evaluator.subject($0, address: nil) }
        for (sourceIndex, source) in history.pods.enumerated() {
            for (destinationIndex, destination) in history.pods.enumerated() where source.labels.first != destination.labels.first {
                for (proto, port) in history.ports + [(.udp, 53)] {
                    let request = History.Request(source: source.podName, destination: destination.podName, proto: proto, port: port)
                    guard !history.requests.contains(request) else { continue }
                    neverRecorded += 1
                    if evaluator.evaluate(source: subjects[sourceIndex], destination: subjects[destinationIndex], proto: proto, port: port)
                        .decision == .denied { denied += 1 }
                }
            }
        }
        let share = Double(denied) / Double(max(neverRecorded, 1))
        let tenths = Int((share * 1000).rounded())
        print("seed \(seed): \(history.pods.count) pods, \(suggestion.policies.count) policies; "
            + "denies \(denied) of \(neverRecorded) never-recorded pod pairs and ports (\(tenths / 10).\(tenths % 10)%)")
        #expect(neverRecorded > 1000)
        #expect(share >= 0.9, "only \(share) of never-recorded pod pairs and ports are denied")

        // The proof says the same: nothing breaks, the drops stay denied.
        let proof = SuggestionProver.prove(suggestion, connections: history.connections, existing: VerdictEvaluator(policies: []))
        #expect(proof.breaks.isEmpty)
        #expect(proof.closure.deniedShare >= 0.9)
    }
}
