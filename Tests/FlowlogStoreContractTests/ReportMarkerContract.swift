import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// Report markers (`report --window last-report`): claims follow each other, a release gives a
/// window back only while nobody claimed past it, and the marker never moves backwards.
/// (Concurrent claims from several connections are backend tests: see ReportWindowClaimTests.)
@Suite struct ReportMarkerContract {
    static func at(_ nanoseconds: Int64) -> Timestamp { Timestamp(rawValue: nanoseconds) }

    @Test(arguments: StoreBackend.all)
    func consecutiveClaimsFollowEachOther(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            #expect(try store.lastReportEnd(name: "default") == nil)
            let first = try store.claimReportWindow(name: "default", until: Self.at(100), firstStart: Self.at(10))
            #expect(first == ReportWindowClaim(name: "default", since: Self.at(10), until: Self.at(100), previousEnd: nil))
            let second = try store.claimReportWindow(name: "default", until: Self.at(250), firstStart: Self.at(0))
            #expect(second == ReportWindowClaim(name: "default", since: Self.at(100), until: Self.at(250), previousEnd: Self.at(100)))
            #expect(try store.lastReportEnd(name: "default") == Self.at(250))
            #expect(try store.lastReportEnd(name: "weekly") == nil, "markers are per name")
        }
    }

    @Test(arguments: StoreBackend.all)
    func aClaimWithAnEarlierEndIsEmptyAndTheMarkerStays(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            _ = try store.claimReportWindow(name: "default", until: Self.at(500), firstStart: Self.at(0))
            let late = try store.claimReportWindow(name: "default", until: Self.at(300), firstStart: Self.at(0))
            #expect(late.isEmpty)
            #expect(late.since == Self.at(500) && late.until == Self.at(500))
            #expect(try store.lastReportEnd(name: "default") == Self.at(500))
        }
    }

    @Test(arguments: StoreBackend.all)
    func recordReportMovesTheMarkerOnlyForwards(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            try store.recordReport(name: "default", until: Self.at(500))
            #expect(try store.lastReportEnd(name: "default") == Self.at(500))
            try store.recordReport(name: "default", until: Self.at(400))
            #expect(try store.lastReportEnd(name: "default") == Self.at(500), "never backwards")
            try store.recordReport(name: "default", until: Self.at(700))
            #expect(try store.lastReportEnd(name: "default") == Self.at(700))
            let next = try store.claimReportWindow(name: "default", until: Self.at(800), firstStart: Self.at(0))
            #expect(next.since == Self.at(700))
        }
    }

    @Test(arguments: StoreBackend.all)
    func aReleasedClaimIsGivenBackOnlyWhileNobodyClaimedPastIt(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            _ = try store.claimReportWindow(name: "default", until: Self.at(100), firstStart: Self.at(0))
            let failed = try store.claimReportWindow(name: "default", until: Self.at(200), firstStart: Self.at(0))
            #expect(try store.releaseReportWindow(failed))
            #expect(try store.lastReportEnd(name: "default") == Self.at(100))

            let overtaken = try store.claimReportWindow(name: "default", until: Self.at(200), firstStart: Self.at(0))
            _ = try store.claimReportWindow(name: "default", until: Self.at(300), firstStart: Self.at(0))
            #expect(try !store.releaseReportWindow(overtaken))
            #expect(try store.lastReportEnd(name: "default") == Self.at(300))
        }
    }

    /// Markers are keyed by the report's selection (`ReportSelection.markerName`): a filtered
    /// report and the unfiltered one (`default`) claim their windows independently.
    @Test(arguments: StoreBackend.all)
    func markersOfDifferentSelectionsDoNotConsumeEachOther(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let production = "selection-0123456789abcdef"
            _ = try store.claimReportWindow(name: "default", until: Self.at(100), firstStart: Self.at(10))
            let filtered = try store.claimReportWindow(name: production, until: Self.at(150), firstStart: Self.at(50))
            #expect(filtered == ReportWindowClaim(name: production, since: Self.at(50), until: Self.at(150), previousEnd: nil))
            let unfiltered = try store.claimReportWindow(name: "default", until: Self.at(200), firstStart: Self.at(0))
            #expect(unfiltered.since == Self.at(100), "the filtered claim did not move the unfiltered marker")
            #expect(try store.lastReportEnd(name: production) == Self.at(150))
            #expect(try store.releaseReportWindow(unfiltered))
            #expect(try store.lastReportEnd(name: production) == Self.at(150), "a release touches only its own marker")
        }
    }

    @Test(arguments: StoreBackend.all)
    func aDescriptionIsStoredBesideItsMarkerAndReplaced(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let name = "selection-00000000000000ff"
            #expect(try store.reportDescription(name: name) == nil)
            try store.describeReport(name: name, as: "namespace production")
            #expect(try store.reportDescription(name: name) == "namespace production")
            #expect(try store.lastReportEnd(name: name) == nil, "describing a report does not create its marker")
            #expect(try store.reportDescription(name: "default") == nil, "descriptions are per name")
            try store.describeReport(name: name, as: "namespace production; policies /p's \"dir\"")
            #expect(try store.reportDescription(name: name) == "namespace production; policies /p's \"dir\"")
            _ = try store.claimReportWindow(name: name, until: Self.at(100), firstStart: Self.at(0))
            #expect(try store.reportDescription(name: name) == "namespace production; policies /p's \"dir\"",
                    "claiming a window keeps the description")
        }
    }

    @Test(arguments: StoreBackend.all)
    func theFirstClaimReleasedLeavesNoMarker(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let first = try store.claimReportWindow(name: "default", until: Self.at(100), firstStart: Self.at(0))
            #expect(try store.releaseReportWindow(first))
            #expect(try store.lastReportEnd(name: "default") == nil)
        }
    }
}
