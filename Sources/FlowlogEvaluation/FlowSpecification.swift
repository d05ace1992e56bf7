import FlowlogModel
import FlowlogStore
import FlowlogPolicy
/// The single-flow form of `evaluate`: endpoints written as `namespace/label=value,…` (a pod with
/// those labels) or an address (an endpoint outside the cluster), and a port as `5432/TCP`.
public enum FlowSpecification {
    /// A problem with an endpoint or port written on the command line.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var message: String
        public var description: String { "\"\(text)\": \(message)" }
    }

    /// An endpoint and its address: `production/app=frontend,tier=web`, `production/app=db@10.0.1.5`
    /// (a pod with an address) or `203.0.113.10` (the world).
    public static func endpoint(_ text: String) throws(SyntaxError) -> (Endpoint, IPAddress?) {
        if let address = IPAddress(text) {
            return (Endpoint(identity: 2, labels: ["reserved:world"]), address)
        }
        var body = Substring(text)
        var address: IPAddress?
        if let at = body.lastIndex(of: "@") {
            guard let parsed = IPAddress(String(body[body.index(after: at)...])) else {
                throw SyntaxError(text: text, message: "expected an IP address after @")
            }
            address = parsed
            body = body[..<at]
        }
        guard let slash = body.firstIndex(of: "/"), slash != body.startIndex else {
            throw SyntaxError(text: text, message: "expected namespace/label=value[,label=value…] or an IP address")
        }
        let namespace = String(body[..<slash])
        var labels = ["k8s:io.kubernetes.pod.namespace=\(namespace)"]
        for pair in body[body.index(after: slash)...].split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw SyntaxError(text: text, message: "expected label=value, found \"\(pair)\"")
            }
            labels.append("k8s:\(pair[..<equals])=\(pair[pair.index(after: equals)...])")
        }
        return (Endpoint(namespace: namespace, labels: labels.sorted()), address)
    }

    /// A port as `5432`, `5432/TCP`, `53/udp` (TCP when no protocol is given), or `icmp`.
    public static func port(_ text: String) throws(SyntaxError) -> (L4Protocol, UInt16) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 1, let proto = L4Protocol(name: parts[0]), !proto.hasPorts { return (proto, 0) }
        guard let number = UInt16(parts[0]), number > 0 else {
            throw SyntaxError(text: text, message: "expected a port 1-65535, optionally with /TCP, /UDP or /SCTP")
        }
        guard parts.count == 2 else { return (.tcp, number) }
        guard let proto = L4Protocol(name: parts[1]), proto.hasPorts else {
            throw SyntaxError(text: text, message: "expected TCP, UDP or SCTP after /")
        }
        return (proto, number)
    }
}

extension VerdictEvaluator.Options {
    /// Options with the namespace labels and named container ports of the given objects.
    public init(namespaces: [NamespaceInfo], pods: [PodInfo], ipBlockMatchesPodIPs: Bool) {
        self.init()
        self.ipBlockMatchesPodIPs = ipBlockMatchesPodIPs
        for namespace in namespaces { self.namespaces[namespace.name, default: [:]].merge(namespace.labels) { $1 } }
        for pod in pods {
            namedPorts["\(pod.namespace)/\(pod.name)"] = pod.containerPorts.compactMap { port in
                port.name.map { NamedPort(name: $0, proto: port.proto, port: port.containerPort) }
            }
        }
    }
}
