import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// Where ingest reads from.
public enum IngestInput: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case standardInput

    public var description: String {
        switch self {
        case .file(let path): path
        case .standardInput: "<stdin>"
        }
    }
}

/// Settings of one ingest run.
public struct IngestOptions: Sendable {
    /// Keep reading files as they grow, like `tail -F`, surviving rotation, until told to stop.
    public var follow = false
    /// Flows per write transaction at most.
    public var batchSize = 4096
    /// A batch is also handed to the writer once its lines hold this many bytes, so the few
    /// batches in flight stay small however large each flow is (issue #14: 4,096 flows of 300
    /// distinct labels each are about 100 MB decoded). Typical flows (about 2 KB a line) fill
    /// `batchSize` first.
    public var maxBatchBytes = 4 << 20
    /// Lines longer than this are skipped as malformed.
    public var maxLineBytes = 1 << 20
    /// With pending records, commit at least this often (seconds).
    public var commitInterval = 0.5
    /// In follow mode, how long to wait for new data before looking again (seconds).
    public var pollInterval = 0.2
    /// Threads that decode lines while the calling thread reads them and takes their records back
    /// in input order: the number of processors online by default, at most four. 1 decodes on the calling
    /// thread; whatever the number, batches, checkpoints and diagnostics are the same.
    public var decodeWorkers = defaultDecodeWorkers()
    /// The most decode threads the default picks (see ``decodeWorkers``).
    public static let defaultDecodeWorkerLimit = 4
    /// The most decode threads `--decode-threads` accepts.
    public static let decodeWorkerLimit = 64
    /// Bytes of lines, and lines, that make one chunk for the decode workers (see ``DecodePool``):
    /// big enough that handing chunks between threads costs little per line, small enough that
    /// the few chunks in flight hold little memory and lines are taken soon after they are read.
    /// Internal: tests make them small to cross many chunk boundaries with few lines.
    var chunkBytes = 1 << 18
    var chunkLines = 512

    public init() {}
}

/// A problem with one input line (skipped) or one input (not readable: `error`, and the
/// other inputs are still read).
public struct IngestDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning, note }

    public var severity: Severity
    public var input: String
    /// 1-based line number, or 0 when the diagnostic is about the whole input.
    public var line: Int64
    /// 1-based byte column, or 0 when unknown.
    public var column: Int
    public var message: String

    public init(severity: Severity = .warning, input: String, line: Int64, column: Int = 0, message: String) {
        self.severity = severity
        self.input = input
        self.line = line
        self.column = column
        self.message = message
    }

    /// `input:line:column: warning: message`, like a compiler diagnostic.
    public var description: String {
        var location = input
        if line > 0 { location += ":\(line)" }
        if line > 0 && column > 0 { location += ":\(column)" }
        return "\(location): \(severity.rawValue): \(message)"
    }
}

/// An error that stops ingest (an input that cannot be opened, a store failure).
public struct IngestError: Error, Sendable, CustomStringConvertible {
    public var input: String
    public var message: String

    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }

    public var description: String { "\(input): \(message)" }
}

/// Running totals of one ingest run.
public struct IngestSummary: Sendable, Equatable {
    /// Flows stored.
    public var ingested = 0
    /// Flows already stored (same uuid) and so not stored again.
    public var duplicates = 0
    /// Malformed lines skipped.
    public var skipped = 0
    /// Records that are not flows: lost events, node status, agent and debug events.
    public var nonFlowRecords = 0
    /// Input bytes consumed.
    public var bytesRead: Int64 = 0
    /// Lines read (including skipped ones).
    public var lines: Int64 = 0
    /// Inputs that could not be read (each reported as an `error` diagnostic).
    public var failedInputs = 0
    /// Inputs read from their start in which no line was a Hubble record (each reported as an
    /// `error` diagnostic with an ``InputHint``): nothing was stored from them, and no position
    /// was saved for them.
    public var rejectedInputs = 0

    public init() {}
}

/// The default number of decode threads: the processors online, at least 1 and at most
/// ``IngestOptions/defaultDecodeWorkerLimit``. Past a few threads the writer (SQLite's one
/// writer, or the ClickHouse server) is the bottleneck, and every thread adds chunk queues and a
/// decoder with its endpoint cache; the limit also keeps a container given two CPUs of a large
/// node (which the count of processors online does not see) from starting dozens.
func defaultDecodeWorkers() -> Int {
    max(1, min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), IngestOptions.defaultDecodeWorkerLimit))
}
