import FlowlogModel
import FlowlogStore
import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// Builders for `policy suggest` tests: connections as the store's aggregate returns them.
enum SuggestionFixtures {
    static func connection(_ source: Endpoint, _ destination: Endpoint, sourceIP: String? = nil, destinationIP: String? = nil,
                           proto: L4Protocol = .tcp, port: UInt16, reply: Bool? = false, verdict: Verdict = .forwarded,
                           count: Int64 = 1, at second: Int64 = 1_000) -> ConnectionCount {
        ConnectionCount(source: source, destination: destination, sourceIP: sourceIP.flatMap(IPAddress.init),
                        destinationIP: destinationIP.flatMap(IPAddress.init), proto: proto, port: port, isReply: reply,
                        verdict: verdict, reason: verdict == .dropped ? .policyDenied : DropReason(rawValue: 0),
                        isPolicyVerdictEvent: false, count: count, firstSeen: Timestamp(seconds: second),
                        lastSeen: Timestamp(seconds: second + 60))
    }

    /// A request and its reply, as Hubble records a FORWARDED exchange.
    static func exchange(_ client: Endpoint, _ server: Endpoint, clientIP: String? = nil, serverIP: String? = nil,
                         proto: L4Protocol = .tcp, port: UInt16, count: Int64 = 1) -> [ConnectionCount] {
        [connection(client, server, sourceIP: clientIP, destinationIP: serverIP, proto: proto, port: port, count: count),
         connection(server, client, sourceIP: serverIP, destinationIP: clientIP, proto: proto, port: port, reply: true, count: count)]
    }

    static func policy(_ suggestion: PolicySuggestion, _ qualifiedName: String) -> SuggestedPolicy? {
        suggestion.namespaces.flatMap(\.policies).first { $0.policy.qualifiedName == qualifiedName }
    }
}
