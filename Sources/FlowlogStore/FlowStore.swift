import FlowlogModel
/// How far one input file has been read, saved in the same transaction as the rows read from it.
///
/// Keyed by the file's device and inode, so a file is one input whatever path, hard link or
/// symlink reaches it. The hash of its first bytes tells a file replaced in place (or an inode
/// reused) from the one read before, and recognises the same content under another inode: a
/// rotated backup that was copied or gzip-compressed.
public struct InputCheckpoint: Sendable, Hashable {
    /// The path the file was last read under.
    public var path: String
    /// The live file it belongs to: the path given to `ingest`, which rotated backups share.
    public var family: String
    public var device: UInt64
    public var inode: UInt64
    /// Bytes of content (decompressed, for gzip) just past the last complete line read.
    public var offset: Int64
    /// Number of lines read so far (so warnings keep their line numbers across runs).
    public var line: Int64
    /// ``InputHead/hash(_:)`` of the first `headLength` bytes of content.
    public var headHash: Int64
    public var headLength: Int64
    /// When the run that saved this opened the family's live file (nanoseconds since the epoch):
    /// a rotated backup modified after it may hold lines not read yet.
    public var readStarted: Int64
    /// A rotated backup read to its end (it does not grow any more).
    public var isFinished: Bool

    public init(path: String, family: String? = nil, device: UInt64, inode: UInt64, offset: Int64, line: Int64,
                headHash: Int64, headLength: Int64, readStarted: Int64 = 0, isFinished: Bool = false) {
        self.path = path
        self.family = family ?? path
        self.device = device
        self.inode = inode
        self.offset = offset
        self.line = line
        self.headHash = headHash
        self.headLength = headLength
        self.readStarted = readStarted
        self.isFinished = isFinished
    }

    /// Whether `head` (the first bytes of a file's content) starts with the bytes this
    /// checkpoint's hash was taken of.
    public func matches(head: [UInt8]) -> Bool {
        headLength <= Int64(head.count) && InputHead.hash(head.prefix(Int(headLength))) == headHash
    }
}

/// The first bytes of an input's content, which identify it across renames and compression.
public enum InputHead {
    /// How many bytes are hashed at most.
    public static let length: Int64 = 4096

    /// FNV-1a over `bytes` (stable across runs and processes, unlike a seeded hash).
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> Int64 where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return Int64(bitPattern: hash)
    }
}

/// A batch's claim on one input: its lines are the ones from `expected` to `next`. The store
/// writes the batch only if what it holds for the input is still `expected` (compare-and-set),
/// so two ingests of the same input never both store the same lines.
public struct CheckpointAdvance: Sendable, Hashable {
    /// The position the batch's lines start at, as the store held it; nil when it held none.
    public var expected: InputCheckpoint?
    /// The position after the batch's lines.
    public var next: InputCheckpoint
    /// The first bytes of the input's content (up to ``InputHead/length``), to find its
    /// position under another inode.
    public var head: [UInt8]
    /// The reader's epoch for this input when it read these lines (see ``BatchResult/conflicts``).
    public var epoch: Int

    public init(expected: InputCheckpoint?, next: InputCheckpoint, head: [UInt8], epoch: Int) {
        self.expected = expected
        self.next = next
        self.head = head
        self.epoch = epoch
    }

    /// The compare-and-set's check, for every backend: nil when the store holds `stored` for
    /// the input and that is where these lines start (offset and line); else the conflict.
    public func conflict(withStored stored: InputCheckpoint?) -> CheckpointConflict? {
        guard stored?.offset != expected?.offset || stored?.line != expected?.line else { return nil }
        return CheckpointConflict(device: next.device, inode: next.inode, epoch: epoch, stored: stored)
    }
}

/// An input a batch was not written for: the store had moved on (another ingest read the same
/// lines), and holds `stored` for it.
public struct CheckpointConflict: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var epoch: Int
    public var stored: InputCheckpoint?

    package init(device: UInt64, inode: UInt64, epoch: Int, stored: InputCheckpoint? = nil) {
        self.device = device
        self.inode = inode
        self.epoch = epoch
        self.stored = stored
    }
}

/// Records decoded from the inputs, written to the store in one transaction.
public struct IngestBatch: Sendable {
    public var flows: [Flow] = []
    public var lostEvents: [LostEvents] = []
    public var nonFlowCounts: [NonFlowKind: Int] = [:]
    /// The inputs whose lines are in this batch, with where those lines start and end.
    public var advances: [CheckpointAdvance] = []
    /// Where the records were read, for a backend without transactions that must key each record
    /// by its position, so that a batch written again (after a crash between the rows and the
    /// checkpoint, or by a second ingest of the same file) collapses onto the first copy.
    /// Empty, or one entry per record in each list; the SQLite store does not need it.
    public var positions = RecordPositions()
    /// Set by ingest on a full batch that more lines of the same input follow at once. A store
    /// may then hold the batch back and write it with the next ones, in fewer and larger writes
    /// (ClickHouse: each insert is a part on disk to create and merge); it must write everything
    /// held, and only then the inputs' positions, when a batch that is not partial arrives. A
    /// store that writes each batch at once (SQLite, in one transaction) ignores it.
    public var isPartial = false

    public init() {}

    public var isEmpty: Bool {
        flows.isEmpty && lostEvents.isEmpty && nonFlowCounts.isEmpty && advances.isEmpty
    }
}

/// The input and 1-based line number of every record of a batch (see ``IngestBatch/positions``).
public struct RecordPositions: Sendable {
    /// The file the lines were read from (a batch holds the lines of one input); nil for an input
    /// with no stable identity (standard input), whose records a backend keys per run instead.
    public var input: FileIdentity?
    /// The position of each flow, in ``IngestBatch/flows`` order.
    public var flows: [RecordPosition] = []
    /// The position of each lost-events record, in ``IngestBatch/lostEvents`` order.
    public var lostEvents: [RecordPosition] = []
    /// The kind and position of each non-flow record counted in ``IngestBatch/nonFlowCounts``.
    public var nonFlowRecords: [(kind: NonFlowKind, position: RecordPosition)] = []

    public init() {}

    /// Whether every record of `batch` has its position.
    public func cover(_ batch: IngestBatch) -> Bool {
        flows.count == batch.flows.count && lostEvents.count == batch.lostEvents.count
            && nonFlowRecords.count == batch.nonFlowCounts.values.reduce(0, +)
    }
}

/// Where one record was read: its 1-based line, and a digest of the line's bytes (with the line
/// number), which tells a line apart from the line with the same number in content that replaced
/// it (a file truncated in place and written again). The digest is 0 where it is not needed
/// (a flow with a uuid is keyed by its uuid).
public struct RecordPosition: Sendable, Hashable {
    public var line: Int64
    public var digest: UInt64

    public init(line: Int64, digest: UInt64) {
        self.line = line
        self.digest = digest
    }

    /// FNV-1a over the line number's 8 bytes and then `bytes`.
    public static func digest(line: Int64, bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var number = UInt64(bitPattern: line)
        for _ in 0..<8 {
            hash = (hash ^ (number & 0xFF)) &* 0x100_0000_01B3
            number >>= 8
        }
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}

/// A file by device and inode, the identity ``InputCheckpoint`` keys positions by.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// What writing a batch did.
public struct BatchResult: Sendable, Equatable {
    /// Flows stored.
    public var inserted = 0
    /// Flows not stored because a flow with the same uuid already was.
    public var duplicates = 0
    /// Set when nothing of the batch was written because an input's position in the store was
    /// not the batch's `expected` one.
    public var conflict: CheckpointConflict?

    public init(inserted: Int = 0, duplicates: Int = 0, conflict: CheckpointConflict? = nil) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.conflict = conflict
    }
}

/// Drops of one (source, destination, protocol, port, reason) combination.
public struct DropCount: Sendable, Hashable {
    public var source: Endpoint
    public var destination: Endpoint
    public var proto: L4Protocol
    public var port: UInt16
    public var reason: DropReason
    public var count: Int64
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp

    package init(source: Endpoint, destination: Endpoint, proto: L4Protocol, port: UInt16, reason: DropReason, count: Int64, firstSeen: Timestamp, lastSeen: Timestamp) {
        self.source = source
        self.destination = destination
        self.proto = proto
        self.port = port
        self.reason = reason
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// Recorded flows of one connection: endpoints, the connection's service port, and what
/// Hubble recorded. Addresses are set only for endpoints that may not be pods.
public struct ConnectionCount: Sendable, Hashable {
    public var source: Endpoint
    public var destination: Endpoint
    public var sourceIP: IPAddress?
    public var destinationIP: IPAddress?
    public var proto: L4Protocol
    /// The service port: the destination port, or a reply's source port (ICMP: the type).
    public var port: UInt16
    /// The DNS names Hubble recorded for the connection's server side (``Flow/connectionNames``:
    /// a reply's source names, else the destination names), which `toFQDNs` rules read.
    public var names: [String]
    public var isReply: Bool?
    public var verdict: Verdict
    public var reason: DropReason
    public var isPolicyVerdictEvent: Bool
    public var count: Int64
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp

    package init(source: Endpoint, destination: Endpoint, sourceIP: IPAddress? = nil, destinationIP: IPAddress? = nil, proto: L4Protocol, port: UInt16, names: [String] = [], isReply: Bool? = nil, verdict: Verdict, reason: DropReason, isPolicyVerdictEvent: Bool, count: Int64, firstSeen: Timestamp, lastSeen: Timestamp) {
        self.source = source
        self.destination = destination
        self.sourceIP = sourceIP
        self.destinationIP = destinationIP
        self.proto = proto
        self.port = port
        self.names = names
        self.isReply = isReply
        self.verdict = verdict
        self.reason = reason
        self.isPolicyVerdictEvent = isPolicyVerdictEvent
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// A summary of what a store holds.
public struct StoreStatistics: Sendable, Equatable {
    public init() {}

    public var flows: Int64 = 0
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    public var flowsByVerdict: [Verdict: Int64] = [:]
    public var drops: Int64 = 0
    public var lostEvents: Int64 = 0
    public var nonFlowRecords: [NonFlowKind: Int64] = [:]
    public var endpoints: Int64 = 0
    /// Distinct label sets, for a backend that interns them (nil when it does not).
    public var labelSets: Int64?
    public var checkpoints: [InputCheckpoint] = []
    /// The store's size on disk, when the backend can tell.
    public var sizeBytes: Int64?
    /// How far `prune` has cut the raw flows and the rollups.
    public var retention = RetentionState(keepsConnectionRollup: false)
    /// The whole minutes the drops rollup holds, `[start, end)` (nil when it holds none).
    public var dropRollupStart: Timestamp?
    public var dropRollupEnd: Timestamp?
}

/// Where flows are kept. SQLite is the first implementation; a distributed backend can follow
/// behind the same protocol, so every command works on either.
public protocol FlowStore: AnyObject {
    /// The saved position of the file with this device and inode whose content starts with
    /// `head`; else the furthest position saved for another file whose content starts the same
    /// (a copy or a compressed backup of it); nil when there is none.
    func resumePoint(device: UInt64, inode: UInt64, head: [UInt8]) throws -> InputCheckpoint?
    /// The saved positions of the files read for the live file `family` (it and its backups).
    func checkpoints(family: String) throws -> [InputCheckpoint]
    /// Stores a batch atomically: its flows (skipping flows already stored: the same time and
    /// uuid; flows without a uuid are kept apart by input positions only), lost events,
    /// non-flow counts and input positions — or, when an input's saved position is not the
    /// batch's expected one, nothing (the result names the conflict).
    func write(_ batch: IngestBatch) throws -> BatchResult
    /// Stored flows that match `query`, oldest first; with `last`, only the newest `last` of them.
    func flows(matching query: FlowQuery, last: Int?) throws -> [Flow]
    /// Calls `body` with each stored flow that matches `query`, oldest first, as it is read, so
    /// memory does not grow with the number of flows; with `last`, only the newest `last` of
    /// them (which are held at once). Rethrows what `body` throws.
    func forEachFlow(matching query: FlowQuery, last: Int?, _ body: (Flow) throws -> Void) throws
    /// Drops matching `query` (each dropped packet once), grouped by source and destination
    /// endpoints, protocol, destination port and reason.
    func dropCounts(matching query: FlowQuery) throws -> [DropCount]
    /// Flows matching `query` grouped by connection and recorded outcome. With
    /// `withPodAddresses`, pods keep their addresses too (for `ipBlock` rules that match pods).
    func connectionCounts(matching query: FlowQuery, withPodAddresses: Bool) throws -> [ConnectionCount]
    /// Drops matching `query` (each dropped packet once) per hour, keyed by the hour's start.
    func dropsPerHour(matching query: FlowQuery) throws -> [Timestamp: Int64]
    /// Every endpoint seen in stored flows.
    func endpoints() throws -> [Endpoint]
    /// Lost-event totals within the query's time window.
    func lostEventCount(since: Timestamp?, until: Timestamp?) throws -> Int64
    func statistics() throws -> StoreStatistics

    // MARK: Report windows

    /// Where the previous report named `name` ended, if there was one.
    func lastReportEnd(name: String) throws -> Timestamp?
    /// Claims the next window of the report named `name`, from where the previous claim ended
    /// (or `firstStart`) to `until`, by moving the marker in one atomic step: concurrent runs get
    /// disjoint windows, and the marker never moves backwards.
    func claimReportWindow(name: String, until: Timestamp, firstStart: Timestamp) throws -> ReportWindowClaim
    /// Gives `claim`'s window back (a report that failed), unless a later claim moved past it.
    /// - Returns: whether the marker was moved back.
    func releaseReportWindow(_ claim: ReportWindowClaim) throws -> Bool
    /// Moves the marker of the report named `name` to `until`, never backwards.
    func recordReport(name: String, until: Timestamp) throws
    /// Stores `description` (what the report selects, for people) beside the marker of the
    /// report named `name`, replacing an earlier one. It does not create or move the marker.
    func describeReport(name: String, as description: String) throws
    /// The description stored for the report named `name`, nil when none was.
    func reportDescription(name: String) throws -> String?

    // MARK: Retention and maintenance

    /// Deletes flows and lost events older than `cuts.raw` and rollup rows older than
    /// `cuts.rollups`, and entries nothing refers to any more. When both cuts are one, every
    /// answer about later times stays exact (rollups are recounted at the boundary); else the
    /// rollups keep whole hours from the hour of the rollup cut, and answer the period between.
    /// Records the cuts (``retention()``).
    func prune(before cuts: PruneCuts) throws -> PruneResult
    /// How far raw flows and rollups have been pruned.
    func retention() throws -> RetentionState
    /// Returns freed space to the file system (SQLite's `VACUUM`; a no-op where the backend
    /// reclaims space itself).
    func compact() throws

    /// How many flows, and bytes of input lines, one ingest batch should hold for this backend;
    /// nil for the ingestor's defaults. SQLite commits small transactions cheaply; a server-side
    /// engine wants fewer, larger inserts (each insert is a part it must merge later).
    var preferredBatchSize: (flows: Int, bytes: Int)? { get }
}

extension FlowStore {
    /// Prunes raw flows and rollups at one cut (``prune(before:)-(PruneCuts)``).
    public func prune(before cut: Timestamp) throws -> PruneResult {
        try prune(before: PruneCuts(raw: cut))
    }

    public var preferredBatchSize: (flows: Int, bytes: Int)? { nil }
}
