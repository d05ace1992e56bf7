import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// Reading flows back: oldest first whatever the write order, `last` keeps the newest, and
/// `forEachFlow` gives exactly what `flows(matching:last:)` gives.
@Suite struct ReadContract {
    /// Ten flows a second apart (every third dropped), written newest first in two batches.
    static func store(_ store: any FlowStore) throws -> [Flow] {
        let flows = (0..<10).map { ContractData.flow(Int64($0), uuid: $0 + 1, verdict: $0 % 3 == 0 ? .dropped : .forwarded) }
        try ContractData.write(Array(flows[5...].reversed()), to: store)
        try ContractData.write(Array(flows[..<5].reversed()), to: store)
        return flows
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var dropsOnly: Bool
        var last: Int?
        var testDescription: String { "\(dropsOnly ? "--verdict DROPPED" : "all") --last \(last.map(String.init) ?? "none")" }
        var query: FlowQuery {
            var query = FlowQuery()
            if dropsOnly { query.verdicts = [.dropped] }
            return query
        }
    }

    static let cases = [false, true].flatMap { dropsOnly in
        [nil, 1, 3, 4, 10, 25].map { Case(dropsOnly: dropsOnly, last: $0) }
    }

    @Test(arguments: StoreBackend.all, cases)
    func flowsAreOldestFirstAndLastKeepsTheNewest(_ backend: StoreBackend, _ testCase: Case) throws {
        try backend.withFreshStore { store throws in
            let matching = try Self.store(store).filter(testCase.query.matches)
            let expected = testCase.last.map { Array(matching.suffix($0)) } ?? matching
            #expect(try store.flows(matching: testCase.query, last: testCase.last) == expected)
            var streamed: [Flow] = []
            try store.forEachFlow(matching: testCase.query, last: testCase.last) { streamed.append($0) }
            #expect(streamed == expected)
        }
    }

    @Test(arguments: StoreBackend.all)
    func whatTheBodyOfForEachFlowThrowsIsRethrown(_ backend: StoreBackend) throws {
        struct Stop: Error {}
        try backend.withFreshStore { store throws in
            _ = try Self.store(store)
            var seen = 0
            #expect(throws: Stop.self) {
                try store.forEachFlow(matching: FlowQuery(), last: nil) { _ in
                    seen += 1
                    if seen == 2 { throw Stop() }
                }
            }
            #expect(seen == 2, "no flow after the throw")
        }
    }
}
