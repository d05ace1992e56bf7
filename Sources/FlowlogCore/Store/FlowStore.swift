/// How far one input file has been read, saved in the same transaction as the rows read from it.
///
/// Keyed by the file's path; the device and inode tell a rotated file from the one read before,
/// and the hash of its first bytes tells a file replaced in place (or truncated and rewritten).
public struct InputCheckpoint: Sendable, Hashable {
    public var path: String
    public var device: UInt64
    public var inode: UInt64
    /// Byte offset just past the last complete line read.
    public var offset: Int64
    /// Number of lines read so far (so warnings keep their line numbers across runs).
    public var line: Int64
    public var headHash: Int64
    public var headLength: Int64

    public init(path: String, device: UInt64, inode: UInt64, offset: Int64, line: Int64, headHash: Int64, headLength: Int64) {
        self.path = path
        self.device = device
        self.inode = inode
        self.offset = offset
        self.line = line
        self.headHash = headHash
        self.headLength = headLength
    }
}

/// Records decoded from the inputs, written to the store in one transaction.
public struct IngestBatch: Sendable {
    public var flows: [Flow] = []
    public var lostEvents: [LostEvents] = []
    public var nonFlowCounts: [NonFlowKind: Int] = [:]
    /// The latest position of each input whose lines are in this batch.
    public var checkpoints: [String: InputCheckpoint] = [:]

    public init() {}

    public var isEmpty: Bool {
        flows.isEmpty && lostEvents.isEmpty && nonFlowCounts.isEmpty && checkpoints.isEmpty
    }
}

/// What writing a batch did.
public struct BatchResult: Sendable, Equatable {
    /// Flows stored.
    public var inserted = 0
    /// Flows not stored because a flow with the same uuid already was.
    public var duplicates = 0

    public init(inserted: Int = 0, duplicates: Int = 0) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

/// A stored flow with its store id.
public struct StoredFlow: Sendable, Hashable {
    public var id: Int64
    public var flow: Flow
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
    public var isReply: Bool?
    public var verdict: Verdict
    public var reason: DropReason
    public var isPolicyVerdictEvent: Bool
    public var count: Int64
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
}

/// A summary of what a store holds.
public struct StoreStatistics: Sendable, Equatable {
    public var flows: Int64 = 0
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    public var flowsByVerdict: [Verdict: Int64] = [:]
    public var drops: Int64 = 0
    public var lostEvents: Int64 = 0
    public var nonFlowRecords: [NonFlowKind: Int64] = [:]
    public var endpoints: Int64 = 0
    public var labelSets: Int64 = 0
    public var checkpoints: [InputCheckpoint] = []
    public var sizeBytes: Int64 = 0
}

/// Where flows are kept. SQLite is the first implementation; a distributed backend can follow
/// behind the same protocol, so every command works on either.
public protocol FlowStore: AnyObject {
    /// The saved position of the input at `path`, if it was read before.
    func checkpoint(forPath path: String) throws -> InputCheckpoint?
    /// Stores a batch atomically: its flows (skipping uuids already stored), lost events,
    /// non-flow counts and input checkpoints.
    func write(_ batch: IngestBatch) throws -> BatchResult
    /// Stored flows that match `query`, oldest first; with `last`, only the newest `last` of them.
    func flows(matching query: FlowQuery, last: Int?) throws -> [StoredFlow]
    /// Calls `body` with each stored flow that matches `query`, oldest first, as it is read, so
    /// memory does not grow with the number of flows; with `last`, only the newest `last` of
    /// them (which are held at once). Rethrows what `body` throws.
    func forEachFlow(matching query: FlowQuery, last: Int?, _ body: (StoredFlow) throws -> Void) throws
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
}
