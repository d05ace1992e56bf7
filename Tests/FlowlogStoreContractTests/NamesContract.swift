import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// The DNS names Hubble records for a flow's addresses (`source_names`, `destination_names`):
/// stored and read back exactly, and part of a connection's key (its server side's names), so
/// replay evaluates connections that differ only in names apart.
@Suite struct NamesContract {
    static let world = Endpoint(identity: 2, labels: ["reserved:world"])

    /// Flows to the world at `second`, with the given names; a reply carries the server's
    /// names as its source names.
    static func flows() -> [Flow] {
        func flow(_ second: Int64, uuid: Int, destinationNames: [String] = [], sourceNames: [String] = [],
                  reply: Bool = false) -> Flow {
            var flow = reply
                ? ContractData.flow(second, uuid: uuid, from: world, to: Fixtures.pod("frontend"))
                : ContractData.flow(second, uuid: uuid, from: Fixtures.pod("frontend"), to: world, port: 443)
            flow.sourceIP = IPAddress(reply ? "198.51.100.7" : "10.0.1.15")
            flow.destinationIP = IPAddress(reply ? "10.0.1.15" : "198.51.100.7")
            if reply { flow.l4 = Layer4(proto: .tcp, sourcePort: 443, destinationPort: 43512) }
            flow.isReply = reply
            flow.destinationNames = destinationNames
            flow.sourceNames = sourceNames
            return flow
        }
        return [
            flow(0, uuid: 1, destinationNames: ["api.example.com"]),
            flow(10, uuid: 2, destinationNames: ["api.example.com"]),
            flow(20, uuid: 3, destinationNames: ["cdn.example.net", "API.example.com."]),
            flow(30, uuid: 4),
            // Names that need escaping on every backend: a quote, a backslash, a tab-free Unicode name.
            flow(40, uuid: 5, destinationNames: ["a\"b.example", "c\\d.example", "ünï.example"], sourceNames: ["x'y.example"]),
            flow(50, uuid: 6, destinationNames: ["frontend.prod.svc"], sourceNames: ["api.example.com"], reply: true),
            // A later hour, so the rollup holds whole hours of named connections.
            flow(2 * 3600 + 5, uuid: 7, destinationNames: ["api.example.com"]),
        ]
    }

    @Test(arguments: StoreBackend.all)
    func namesAreStoredAndReadBackExactly(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = Self.flows()
            try ContractData.write(flows, to: store)
            #expect(try store.flows(matching: FlowQuery(), last: nil) == flows)
            var streamed: [Flow] = []
            try store.forEachFlow(matching: FlowQuery(), last: 2) { streamed.append($0) }
            #expect(streamed == Array(flows.suffix(2)))
        }
    }

    @Test(arguments: StoreBackend.all, [false, true])
    func connectionsDifferingOnlyInNamesStayApart(_ backend: StoreBackend, withPodAddresses: Bool) throws {
        try backend.withFreshStore { store throws in
            let flows = Self.flows()
            try ContractData.write(flows, to: store)
            // Whole hours (the SQLite rollup) and, with pod addresses, the flows themselves.
            var window = FlowQuery()
            window.since = Timestamp(seconds: Fixtures.baseSeconds + 25)
            window.until = Timestamp(seconds: Fixtures.baseSeconds + 2 * 3600 + 10)
            for query in [FlowQuery(), window] {
                let counts = try store.connectionCounts(matching: query, withPodAddresses: withPodAddresses)
                #expect(Set(counts) == ContractData.connectionCounts(flows, matching: query, withPodAddresses: withPodAddresses))
            }
            let all = try store.connectionCounts(matching: FlowQuery(), withPodAddresses: withPodAddresses)
            #expect(all.first { $0.names == ["api.example.com"] && $0.isReply == false }?.count == 3)
            #expect(all.contains { $0.names == ["cdn.example.net", "API.example.com."] && $0.count == 1 })
            #expect(all.contains { $0.names.isEmpty && $0.isReply == false && $0.count == 1 })
            // A reply's connection names are its source's (the server's).
            #expect(all.contains { $0.isReply == true && $0.names == ["api.example.com"] })
        }
    }

    /// `--fqdn`, `--from-fqdn`, `--to-fqdn` (hubble's patterns: `*` for any run of name
    /// characters, case and one trailing dot ignored) and `--not --fqdn`, by uuid number.
    static let nameFilters: [(name: String, query: FlowQuery, uuids: Set<Int>)] = [
        ("--fqdn api.example.com", FlowQueryContract.query { $0.names = [FQDNPattern("api.example.com")!] }, [1, 2, 3, 6, 7]),
        ("--to-fqdn '*.example.com'", FlowQueryContract.query { $0.destinationNames = [FQDNPattern("*.example.com")!] }, [1, 2, 3, 7]),
        ("--from-fqdn API.example.com.", FlowQueryContract.query { $0.sourceNames = [FQDNPattern("API.example.com.")!] }, [6]),
        ("--to-fqdn 'cdn.*' --to-fqdn '*.svc'", FlowQueryContract.query { $0.destinationNames = [FQDNPattern("cdn.*")!, FQDNPattern("*.svc")!] }, [3, 6]),
        ("--to-fqdn '*.example'", FlowQueryContract.query { $0.destinationNames = [FQDNPattern("*.example")!] }, []),
        ("--not --fqdn api.example.com", FlowQueryContract.query { $0.exclusions = [FlowQueryContract.query { $0.names = [FQDNPattern("api.example.com")!] }] },
         [4, 5]),
    ]

    @Test(arguments: StoreBackend.all)
    func nameFiltersSelectTheSameFlowsEverywhere(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = Self.flows()
            try ContractData.write(flows, to: store)
            for filter in Self.nameFilters {
                let query = filter.query
                let expected = flows.enumerated().filter { filter.uuids.contains($0.offset + 1) }.map(\.element)
                #expect(flows.filter(query.matches) == expected, "matches: \(filter.name)")
                #expect(try store.flows(matching: query, last: nil) == expected, "store: \(filter.name)")
                #expect(Set(try store.connectionCounts(matching: query, withPodAddresses: false))
                        == ContractData.connectionCounts(flows, matching: query, withPodAddresses: false), "connections: \(filter.name)")
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func pruningKeepsTheNamesOfWhatRemains(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = Self.flows()
            try ContractData.write(flows, to: store)
            let cut = Timestamp(seconds: Fixtures.baseSeconds + 15)
            _ = try store.prune(before: cut)
            let remaining = flows.filter { $0.time >= cut }
            #expect(try store.flows(matching: FlowQuery(), last: nil) == remaining)
            #expect(Set(try store.connectionCounts(matching: FlowQuery(), withPodAddresses: false))
                    == ContractData.connectionCounts(remaining, matching: FlowQuery(), withPodAddresses: false))
        }
    }
}
