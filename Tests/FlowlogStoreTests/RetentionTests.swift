import Testing
import FlowlogModel
@testable import FlowlogStore

/// RFC 3339 text to a timestamp (test inputs are valid).
private func time(_ text: String?) -> Timestamp? {
    text.map { Timestamp(rfc3339: $0)! }
}

/// `RetentionState.plan`: a window edge inside the pruned period is rounded outwards to the
/// rollup's buckets, a read that needs raw flows is left as it is; either says so in one line.
@Suite struct RetentionPlanTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var since: String?
        var until: String?
        var answer: RetentionAnswer
        var expectedSince: String?
        var expectedUntil: String?
        /// Words the note must hold; nil: no note.
        var note: [String]?
        var testDescription: String { name }
    }

    static let minute = RetentionAnswer.rollup(bucketNanos: 60_000_000_000)
    static let hour = RetentionAnswer.rollup(bucketNanos: 3_600_000_000_000)

    static let cases: [Case] = [
        Case(name: "no window", answer: minute, note: nil),
        Case(name: "window after the cut", since: "2026-11-20T12:00:30Z", answer: minute,
             expectedSince: "2026-11-20T12:00:30Z", note: nil),
        Case(name: "edge inside a pruned minute", since: "2026-11-20T10:41:30.5Z", answer: minute,
             expectedSince: "2026-11-20T10:41:00Z", note: ["before 2026-11-20T11:30:00Z were pruned", "whole minutes", "10:41:00Z"]),
        Case(name: "edge on a pruned minute", since: "2026-11-20T10:41:00Z", answer: minute,
             expectedSince: "2026-11-20T10:41:00Z", note: nil),
        Case(name: "both edges pruned", since: "2026-11-20T10:41:30Z", until: "2026-11-20T10:50:10Z", answer: minute,
             expectedSince: "2026-11-20T10:41:00Z", expectedUntil: "2026-11-20T10:51:00Z", note: ["10:41:00Z to 2026-11-20T10:51:00Z"]),
        Case(name: "until only, before the cut", until: "2026-11-20T11:10:10Z", answer: hour,
             expectedUntil: "2026-11-20T12:00:00Z", note: ["whole hours"]),
        Case(name: "hours for connections", since: "2026-11-20T10:41:30Z", answer: hour,
             expectedSince: "2026-11-20T10:00:00Z", note: ["whole hours", "10:00:00Z"]),
        Case(name: "before the rollups", since: "2026-11-19T00:00:00Z", answer: minute,
             expectedSince: "2026-11-19T00:00:00Z", note: ["rollups start at 2026-11-20T09:00:00Z"]),
        Case(name: "raw flows needed", since: "2026-11-20T10:41:30Z", answer: .rawFlows,
             expectedSince: "2026-11-20T10:41:30Z", note: ["before 2026-11-20T11:30:00Z were pruned", "only the retained period"]),
        Case(name: "raw flows, after the cut", since: "2026-11-20T11:30:00Z", answer: .rawFlows,
             expectedSince: "2026-11-20T11:30:00Z", note: nil),
    ]

    @Test(arguments: cases)
    func plan(_ test: Case) throws {
        let state = RetentionState(rawFlowsStart: time("2026-11-20T11:30:00Z"), rollupsStart: time("2026-11-20T09:00:00Z"),
                                   keepsConnectionRollup: true)
        var query = FlowQuery()
        query.since = time(test.since)
        query.until = time(test.until)
        let plan = state.plan(query, answer: test.answer)
        #expect(plan.query.since == time(test.expectedSince))
        #expect(plan.query.until == time(test.expectedUntil))
        if let words = test.note {
            let note = try #require(plan.note)
            #expect(!note.contains("\n"))
            for word in words { #expect(note.contains(word), "\(note)") }
        } else {
            #expect(plan.note == nil)
        }
    }

    @Test func anUnprunedStoreNeverNotes() {
        var query = FlowQuery()
        query.since = time("1970-01-01T00:00:00.5Z")
        let plan = RetentionState(keepsConnectionRollup: false).plan(query, answer: Self.minute)
        #expect(plan == RetentionPlan(query: query, note: nil))
    }
}

/// The cuts of one prune: when the rollups follow the flows, and where they start afterwards.
@Suite struct PruneCutsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var raw: String
        var rollups: String
        var previousRaw: String?
        var previousRollups: String?
        var follows: Bool
        var rollupsStart: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one cut, first prune", raw: "2026-11-20T10:30:00Z", rollups: "2026-11-20T10:30:00Z",
             follows: true, rollupsStart: "2026-11-20T10:30:00Z"),
        Case(name: "rollups kept longer", raw: "2026-11-20T10:30:00Z", rollups: "2026-10-01T07:15:00Z",
             follows: false, rollupsStart: "2026-10-01T07:00:00Z"),
        Case(name: "rollup cut after the raw cut is the raw cut", raw: "2026-11-20T10:30:00Z", rollups: "2026-11-21T00:00:00Z",
             follows: true, rollupsStart: "2026-11-20T10:30:00Z"),
        Case(name: "one cut before flows already pruned", raw: "2026-11-20T10:30:00Z", rollups: "2026-11-20T10:30:00Z",
             previousRaw: "2026-11-20T11:00:00Z", previousRollups: "2026-10-01T00:00:00Z",
             follows: false, rollupsStart: "2026-11-20T10:00:00Z"),
        Case(name: "rollups never move back", raw: "2026-11-20T12:00:00Z", rollups: "2026-09-01T00:00:00Z",
             previousRaw: "2026-11-20T11:00:00Z", previousRollups: "2026-10-01T00:00:00Z",
             follows: false, rollupsStart: "2026-10-01T00:00:00Z"),
    ]

    @Test(arguments: cases)
    func cuts(_ test: Case) throws {
        let cuts = PruneCuts(raw: time(test.raw)!, rollups: time(test.rollups)!)
        let previous = RetentionState(rawFlowsStart: time(test.previousRaw), rollupsStart: time(test.previousRollups),
                                      keepsConnectionRollup: true)
        #expect(cuts.rollups <= cuts.raw)
        #expect(cuts.rollupsFollowFlows(previous: previous) == test.follows)
        let after = cuts.state(after: previous)
        #expect(after.rollupsStart == time(test.rollupsStart))
        #expect(after.rawFlowsStart == max(time(test.raw)!, time(test.previousRaw) ?? time(test.raw)!))
    }
}
