import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

private func at(_ offset: Int64) -> Timestamp { Timestamp(seconds: Fixtures.baseSeconds + offset) }

private func count(_ source: Endpoint, _ destination: Endpoint, _ proto: L4Protocol = .tcp, port: UInt16 = 5432,
                   reason: DropReason = .policyDenied, count: Int64, first: Int64 = 0, last: Int64 = 0) -> DropCount {
    DropCount(source: source, destination: destination, proto: proto, port: port, reason: reason, count: count,
              firstSeen: at(first), lastSeen: at(last))
}

/// Two replicas of one Deployment: different pod names and pod-template-hash, same group.
private let frontendA = Fixtures.pod("frontend", podName: "frontend-5f7b9c-aaaaa")
private let frontendB = Endpoint(identity: 1001, namespace: "production", podName: "frontend-6a8c0d-bbbbb",
                                 labels: ["k8s:app=frontend", "k8s:io.kubernetes.pod.namespace=production",
                                          "k8s:pod-template-hash=6a8c0d"],
                                 workloads: [Workload(kind: "Deployment", name: "frontend")])
private let postgres = Fixtures.pod("postgres", namespace: "databases", podName: "postgres-0")
private let api = Fixtures.pod("api")
private let world = Fixtures.world

@Suite struct DropAggregatorTests {
    @Test func mergesCountsOfOneGroup() throws {
        let report = DropAggregator.report([
            count(frontendA, postgres, port: 5432, count: 3, first: 10, last: 20),
            count(frontendB, postgres, port: 5432, reason: .policyDeny, count: 2, first: 5, last: 15),
            count(frontendA, postgres, port: 6432, count: 1, first: 30, last: 30),
        ], by: .labels)

        #expect(report.grouping == .labels)
        #expect(report.totalDrops == 6)
        #expect(report.totalGroups == 1)
        let group = try #require(report.groups.first)
        #expect(group.source == "production/app=frontend")
        #expect(group.destination == "databases/app=postgres")
        #expect(group.count == 6)
        #expect(group.firstSeen == at(5))
        #expect(group.lastSeen == at(30))
        #expect(group.ports == [PortCount(proto: .tcp, port: 5432, count: 5), PortCount(proto: .tcp, port: 6432, count: 1)])
        #expect(group.reasons == [ReasonCount(reason: .policyDenied, count: 4), ReasonCount(reason: .policyDeny, count: 2)])
    }

    @Test func portsSortByCountThenProtocolThenPort() throws {
        let report = DropAggregator.report([
            count(frontendA, world, .udp, port: 53, count: 2),
            count(frontendA, world, .tcp, port: 443, count: 2),
            count(frontendA, world, .tcp, port: 80, count: 2),
            count(frontendA, world, .icmpv4, port: 8, count: 7),
            count(frontendA, world, .tcp, port: 8443, count: 1),
        ], by: .labels)
        let group = try #require(report.groups.first)
        #expect(group.ports.map(\.description) == ["ICMPv4 type 8", "TCP/80", "TCP/443", "UDP/53", "TCP/8443"])
    }

    @Test func reasonsSortByCountThenNumber() throws {
        let report = DropAggregator.report([
            count(frontendA, postgres, reason: .policyDeny, count: 1),
            count(frontendA, postgres, reason: DropReason(rawValue: 189), count: 1),
            count(frontendA, postgres, reason: .policyDenied, count: 1),
            count(frontendA, postgres, reason: DropReason(rawValue: 158), count: 5),
        ], by: .labels)
        let group = try #require(report.groups.first)
        #expect(group.reasons.map(\.reason.rawValue) == [158, 133, 181, 189])
    }

    @Test func groupsSortByCountThenSourceThenDestination() {
        let report = DropAggregator.report([
            count(world, api, count: 4),
            count(frontendA, postgres, count: 9),
            count(api, postgres, count: 4),
            count(api, world, count: 4),
            count(frontendB, api, count: 1),
        ], by: .labels)
        let pairs = report.groups.map { "\($0.count) \($0.source) -> \($0.destination)" }
        #expect(pairs == [
            "9 production/app=frontend -> databases/app=postgres",
            "4 production/app=api -> databases/app=postgres",
            "4 production/app=api -> world",
            "4 world -> production/app=api",
            "1 production/app=frontend -> production/app=api",
        ])
    }

    @Test func groupingChangesTheKeys() {
        let counts = [count(frontendA, postgres, count: 3), count(frontendB, postgres, count: 2)]
        #expect(DropAggregator.report(counts, by: .pod).groups.map(\.source)
            == ["production/frontend-5f7b9c-aaaaa", "production/frontend-6a8c0d-bbbbb"])
        #expect(DropAggregator.report(counts, by: .workload).groups.map(\.source) == ["production/frontend"])
        #expect(DropAggregator.report(counts, by: .namespace).groups.map { "\($0.source) -> \($0.destination)" }
            == ["production -> databases"])
    }

    struct TopCase: Sendable, CustomTestStringConvertible {
        var top: Int?
        var shown: Int
        var testDescription: String { top.map { "top \($0)" } ?? "no top" }
    }

    @Test(arguments: [TopCase(top: nil, shown: 3), TopCase(top: 2, shown: 2), TopCase(top: 1, shown: 1),
                      TopCase(top: 0, shown: 0), TopCase(top: 10, shown: 3), TopCase(top: -1, shown: 3)])
    func topCutKeepsTheTotals(_ testCase: TopCase) {
        let report = DropAggregator.report([
            count(frontendA, postgres, count: 5), count(api, postgres, count: 3), count(world, api, count: 1),
        ], by: .labels, top: testCase.top)
        #expect(report.groups.count == testCase.shown)
        #expect(report.groups.map(\.count) == Array([5, 3, 1].prefix(testCase.shown)))
        #expect(report.totalDrops == 9)
        #expect(report.totalGroups == 3)
    }

    @Test func noCountsGiveAnEmptyReport() {
        let report = DropAggregator.report([], by: .workload)
        #expect(report == DropReport(grouping: .workload, groups: [], totalDrops: 0, totalGroups: 0))
    }
}
