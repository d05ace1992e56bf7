import FlowlogModel
import FlowlogStore

/// Report windows (`report --window last-report`) claimed atomically without transactions.
///
/// A claim is a row appended to `report_claims`, a `Log` table: the server appends rows in the
/// order it receives them and never merges or reorders them, so everyone who reads the claims
/// of one window start (`previous`) sees them in the same order, and the first one wins. A
/// claimant appends its row, then reads the log back up to its own row: if no earlier claim
/// holds that start, the window is its own; otherwise the winner's window runs to the winner's
/// `until`, and it claims again from there. Two reports started together thus get consecutive
/// windows, never overlapping ones — whatever the timing, since the decision depends only on
/// the order of the log. On a cluster the log lives on the first shard, so every entry server
/// sees one order.
///
/// Giving a window back (a report that failed) appends a claim on the window *after* it,
/// pointing back (`until` < `previous`, a "blocker"): if the blocker is first there, nobody
/// claimed past the window, and a `released` row frees its start; a later claimant that meets
/// the blocker goes back to that start. The next winner of that start frees the blocker again.
extension ClickHouseFlowStore {
    /// A row of the claims log of one window start.
    struct ClaimRow: Equatable, Sendable {
        var claimant: UInt64
        var until: Int64
        var isRelease: Bool
    }

    /// `previous` of the first window of a name (no marker yet).
    static let noMarker = Int64.min

    /// Who holds a window start when `claimant`'s claim is reached in the log (or, with nil, at
    /// its end): the first claim not released by its claimant before the next claim arrives.
    /// - Returns: whether `claimant` holds it, and the holder (nil: nobody).
    static func claimOutcome(of claimant: UInt64?, in log: [ClaimRow]) -> (won: Bool, holder: ClaimRow?) {
        var holder: ClaimRow?
        for row in log {
            if row.isRelease {
                if holder?.claimant == row.claimant { holder = nil }
            } else if holder == nil {
                holder = row
                if row.claimant == claimant { return (true, row) }
            } else if row.claimant == claimant {
                return (false, holder)
            }
        }
        return (false, holder)
    }

    private var claimsClient: ClickHouseHTTPClient { shardClients.first ?? client }

    private func newClaimant() -> UInt64 {
        claimsMade += 1
        return RecordKey.name("\(nonce) \(claimsMade) \(monotonicNanos())", tag: UInt8(ascii: "C"))
    }

    private static func claimKey(_ claim: ReportWindowClaim) -> String {
        "\(claim.name)\u{0}\(claim.since.rawValue)\u{0}\(claim.until.rawValue)"
    }

    private func appendClaim(name: String, previous: Int64, until: Int64, claimant: UInt64, isRelease: Bool) throws(StoreError) {
        var rows = TabSeparatedWriter()
        rows.string(name)
        rows.int(previous)
        rows.int(until)
        rows.int(claimant)
        rows.int(isRelease ? 1 : 0)
        rows.endRow()
        try claimsClient.execute("INSERT INTO \(table("report_claims")) (name, previous, until, claimant, released) FORMAT TabSeparated",
                                 data: rows.bytes)
    }

    /// The claims of one window start, in the order the server appended them (one reading
    /// thread, so the file order).
    private func claimLog(name: String, previous: Int64) throws(StoreError) -> [ClaimRow] {
        let answer = try claimsClient.execute("""
            SELECT claimant, until, released FROM \(table("report_claims"))
            WHERE name = \(ClickHouseEscaping.literal(name)) AND previous = \(previous) FORMAT RowBinary
            """, settings: [("max_threads", "1")])
        var reader = RowBinaryReader(answer, label: claimsClient.label)
        var log: [ClaimRow] = []
        while !reader.isAtEnd {
            log.append(ClaimRow(claimant: try reader.uint64(), until: try reader.int64(), isRelease: try reader.uint8() != 0))
        }
        return log
    }

    public func claimReportWindow(name: String, until: Timestamp, firstStart: Timestamp) throws -> ReportWindowClaim {
        var previous = try reportEnd(name: name)
        for attempt in 0..<400 {
            let since = previous ?? min(firstStart, until)
            let claim = ReportWindowClaim(name: name, since: since, until: max(until, since), previousEnd: previous)
            if claim.isEmpty { return claim }
            let start = previous?.rawValue ?? Self.noMarker
            let claimant = newClaimant()
            try appendClaim(name: name, previous: start, until: claim.until.rawValue, claimant: claimant, isRelease: false)
            let outcome = Self.claimOutcome(of: claimant, in: try claimLog(name: name, previous: start))
            if outcome.won {
                // A blocker left on the window after this one (by a report that gave it back)
                // stays no longer than this window's claim.
                if let blocker = Self.claimOutcome(of: nil, in: try claimLog(name: name, previous: claim.until.rawValue)).holder,
                   blocker.until < claim.until.rawValue {
                    try appendClaim(name: name, previous: claim.until.rawValue, until: blocker.until, claimant: blocker.claimant,
                                    isRelease: true)
                }
                reportClaimants[Self.claimKey(claim)] = claimant
                try writeReportEnd(name: name, claim.until)
                return claim
            }
            // The holder's window runs to its `until` (a blocker's points back to the start freed).
            let holderUntil = outcome.holder?.until ?? Self.noMarker
            previous = holderUntil == Self.noMarker ? nil : Timestamp(rawValue: holderUntil)
            // A blocker whose release is still on its way: wait a little before going round again.
            if holderUntil < start || attempt > 2 { sleepSeconds(0.005 * Double(min(attempt + 1, 40))) }
        }
        throw StoreError(kind: .failed, message: "could not claim a window for report \(name): other runs kept claiming it", path: path)
    }

    @discardableResult
    public func releaseReportWindow(_ claim: ReportWindowClaim) throws -> Bool {
        guard try reportEnd(name: claim.name) == claim.until else { return false }
        let previous = claim.previousEnd?.rawValue ?? Self.noMarker
        guard let claimant = reportClaimants[Self.claimKey(claim)] else { return false }
        // Nobody may claim past this window from now on unless the blocker is not first.
        let blocker = newClaimant()
        try appendClaim(name: claim.name, previous: claim.until.rawValue, until: previous, claimant: blocker, isRelease: false)
        guard Self.claimOutcome(of: blocker, in: try claimLog(name: claim.name, previous: claim.until.rawValue)).won else {
            return false
        }
        try appendClaim(name: claim.name, previous: previous, until: claim.until.rawValue, claimant: claimant, isRelease: true)
        reportClaimants[Self.claimKey(claim)] = nil
        try writeReportEnd(name: claim.name, claim.previousEnd)
        return true
    }
}
