import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams Hubble JSON lines from files or standard input into a ``FlowStore``.
///
/// The calling thread reads, ``IngestOptions/decodeWorkers`` threads decode chunks of lines, the
/// calling thread takes their records back in input order into batches, and another thread writes
/// the batches, each in one transaction together with how far each input was read. Memory stays
/// constant: at most a few chunks and a few batches are in flight. Malformed lines are reported
/// through `diagnostics` and skipped; the rest is kept. An input that cannot be read is reported
/// and the others are still read.
public final class Ingestor {
    let store: any FlowStore
    let options: IngestOptions
    let diagnostics: (IngestDiagnostic) -> Void
    private let progress: ((IngestSummary) -> Void)?
    let shouldStop: () -> Bool

    /// Decodes on the calling thread only an unterminated last line, to see whether it is complete.
    var decoder: FlowDecoder
    var batch = IngestBatch()
    /// Bytes of the lines in `batch` (see ``IngestOptions/maxBatchBytes``).
    var batchBytes = 0
    var summary = IngestSummary()
    var lastFlush = monotonicSeconds()
    private var lastProgress = monotonicSeconds()
    let writer: BatchWriter
    /// Decodes chunks of lines on ``IngestOptions/decodeWorkers`` threads (see ``DecodePool``).
    let pool: DecodePool
    /// Set by ``run(_:)``: the writer's and the pool's queues close when a run ends, so an
    /// ingestor runs once.
    private var hasRun = false
    /// Files that were told another ingest is reading them too (one note per file).
    private var sharedNoted = Set<FileKey>()

    /// - Parameters:
    ///   - store: where flows go; used only from the ingest's writer thread while `run` runs.
    ///   - diagnostics: called on the calling thread for each skipped line or replaced input.
    ///   - progress: called on the calling thread about twice a second with the running totals.
    ///   - shouldStop: polled while reading; when it returns true, what was read is committed and
    ///     `run` returns (how SIGINT/SIGTERM end a `--follow`).
    public init(store: any FlowStore, options: IngestOptions = IngestOptions(),
                diagnostics: @escaping (IngestDiagnostic) -> Void,
                progress: ((IngestSummary) -> Void)? = nil,
                shouldStop: @escaping () -> Bool = { false }) {
        self.store = store
        self.options = options
        self.diagnostics = diagnostics
        self.progress = progress
        self.shouldStop = shouldStop
        decoder = FlowDecoder(maxLineBytes: options.maxLineBytes)
        writer = BatchWriter(store: store)
        pool = DecodePool(workers: options.decodeWorkers, maxLineBytes: options.maxLineBytes)
    }

    /// Reads every input to its end (or, with `follow`, until stopped) and stores what it holds.
    /// For a file read before, rotated backups of it written since are read first (oldest
    /// first), so lines written between two runs are not lost however often it was rotated.
    /// - Returns: the totals of the run; `failedInputs` counts inputs that could not be read.
    /// - Throws: the store's error when writing fails. Everything committed before the failure
    ///   stays committed, and nothing of the failed batch is.
    public func run(_ inputs: [IngestInput]) throws -> IngestSummary {
        guard !hasRun else { throw IngestError(input: "ingest", message: "an Ingestor runs once; make a new one for another run") }
        hasRun = true
        let startedAt = realTimeNanoseconds()
        var plan: [InputFile] = []
        var live: [InputFile] = []
        var planned = Set<FileKey>()
        for input in inputs {
            let files: [InputFile]
            switch openInput(input, startedAt: startedAt) {
            case .success(let opened): files = opened
            case .failure(let error):
                inputFailed(error)
                continue
            }
            for file in files {
                // The same file named twice (or through a link) is read once.
                if file.checkpointPath != nil && !planned.insert(file.key).inserted { continue }
                plan.append(file)
            }
            if let last = files.last { live.append(last) }
        }
        // From here on the store belongs to the writer thread.
        guard writer.start() else { throw IngestError(input: "ingest", message: "cannot start the writer thread") }
        guard pool.start() else {
            _ = writer.finish()
            throw IngestError(input: "ingest", message: "cannot start the decode threads")
        }
        defer { pool.stop() }
        var failure: (any Error)?
        do {
            for file in plan where !shouldStop() {
                if options.follow && live.contains(where: { $0 === file }) { continue }
                try readToEnd(file)
            }
            if options.follow {
                // Only `follow` keeps the live files from here on, so a rotated one is closed.
                plan.removeAll()
                try follow(&live, startedAt: startedAt)
            }
        } catch {
            failure = error
        }
        if failure == nil { flush(nil) }
        let written = writer.finish()
        summary.ingested = written.inserted
        summary.duplicates = written.duplicates
        if let writeError = written.error { throw writeError }
        if let failure { throw failure }
        return summary
    }

    private func openInput(_ input: IngestInput, startedAt: Int64) -> Result<[InputFile], IngestError> {
        Result { () throws(IngestError) in try openWithBackups(input, startedAt: startedAt) }
    }

    func inputFailed(_ error: IngestError) {
        summary.failedInputs += 1
        diagnostics(IngestDiagnostic(severity: .error, input: error.input, line: 0, message: error.message))
    }

    /// Reads `file` to its end and waits until its lines are written; when another ingest stored
    /// some of them first, continues after what it stored.
    /// - Parameter optional: a backup found while following, which may vanish or be half
    ///   compressed when read: a failure to read it is a note, not a failed input.
    func readToEnd(_ file: InputFile, optional: Bool = false) throws {
        if file.line == 0 && file.records == 0 { file.readsFromStart = true }
        defer { rejectIfNoRecord(file) }
        repeat {
            do {
                try readAvailable(file, final: true)
            } catch {
                guard let inputError = error as? IngestError else { throw error }
                // What was read before the error is kept (a truncated gzip backup, say).
                flush(file)
                if optional {
                    diagnostics(IngestDiagnostic(severity: .note, input: inputError.input, line: 0, message: inputError.message))
                } else {
                    inputFailed(inputError)
                }
                return
            }
            flush(file)
            try writer.drain()
        } while try resyncIfConflicted(file)
    }

    /// Reports an input read from its start in which lines were read but none was a Hubble
    /// record, saying what it looks like. Nothing of it was stored (its lines were all skipped)
    /// and no position was saved (see ``InputFile/awaitsFirstRecord``).
    private func rejectIfNoRecord(_ file: InputFile) {
        guard file.awaitsFirstRecord, file.rejectedLines > 0, let sample = file.sample else { return }
        file.readsFromStart = false
        summary.rejectedInputs += 1
        let hint = InputHint.classify(sample.bytes, problem: sample.problem)
        diagnostics(IngestDiagnostic(severity: .error, input: file.name, line: 0,
                                     message: "no line is a Hubble record: \(hint); nothing was stored from it"))
    }

    // MARK: - Writing

    /// Hands the current batch, with the position `file` reached, to the writer thread. A batch
    /// holds the lines of one input only, so a conflict on that input discards nothing else.
    /// - Parameter partial: the batch is full and more lines follow at once: a store that gathers
    ///   batches into larger writes may hold it back (see ``IngestBatch/isPartial``). Every other
    ///   flush — end of input, the commit interval, stopping — commits what was handed over.
    func flush(_ file: InputFile?, partial: Bool = false) {
        if let file, !file.awaitsFirstRecord, let next = file.checkpoint(), file.hasMoved(to: next) {
            batch.advances.append(CheckpointAdvance(expected: file.expected, next: next, head: file.head, epoch: file.epoch))
            file.expected = next
        }
        if !partial { lastFlush = monotonicSeconds() }
        // An empty batch still goes when partial ones wait for it: it is their commit.
        guard !batch.isEmpty || (!partial && holdsPartial) else { return }
        holdsPartial = partial
        var full = batch
        full.isPartial = partial
        batch = IngestBatch()
        batchBytes = 0
        batch.flows.reserveCapacity(options.batchSize)
        do {
            try writer.submit(full)
        } catch {
            // The writer stopped; `run` reports its error when it finishes.
            submitFailed = true
        }
    }

    /// Set when the writer stopped: reading more would only be discarded.
    private var submitFailed = false
    /// Whether the last batch handed over was partial (so a commit is still owed).
    private var holdsPartial = false

    /// Whether the writer stopped (a write failed): reading more would only be discarded.
    var stopReading: Bool { submitFailed || writer.hasFailed }

    /// When the store refused a batch of `file` because another ingest stored those lines first,
    /// continues from the position the store holds, dropping what was read past it.
    /// - Returns: whether the position was reset.
    @discardableResult
    func resyncIfConflicted(_ file: InputFile) throws -> Bool {
        if stopReading { try writer.drain() }
        guard file.checkpointPath != nil, let conflict = writer.takeConflict(for: file.key),
              conflict.epoch == file.epoch else { return false }
        batch = IngestBatch()
        batchBytes = 0
        file.epoch += 1
        try file.resume(from: conflict.stored)
        // A copy or compressed backup found stored under another inode is expected; the same
        // file stored by someone else means another ingest is reading it.
        let sameFile = conflict.stored.map { $0.device == file.device && $0.inode == file.inode } ?? false
        if sameFile, sharedNoted.insert(file.key).inserted {
            diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: 0,
                                         message: "another ingest is storing this file too; continuing after the lines it stored"))
        }
        return true
    }

    var isBatchFull: Bool {
        batch.flows.count >= options.batchSize || batchBytes >= options.maxBatchBytes
    }

    func reportProgress() {
        guard let progress else { return }
        let now = monotonicSeconds()
        guard now - lastProgress >= 0.5 else { return }
        lastProgress = now
        var snapshot = summary
        let written = writer.totals()
        snapshot.ingested = written.inserted
        snapshot.duplicates = written.duplicates
        progress(snapshot)
    }
}

extension InputFile {
    var key: FileKey { FileKey(device: device, inode: inode) }

    /// The identity records are keyed by: the file's, when it is checkpointed (a re-read of the
    /// same lines gets the same keys); none for standard input, which is never read twice.
    var positionIdentity: FileIdentity? {
        checkpointPath == nil ? nil : FileIdentity(device: device, inode: inode)
    }

    /// Whether `next` records progress over what the store is believed to hold.
    func hasMoved(to next: InputCheckpoint) -> Bool {
        guard let expected else { return next.offset > 0 || next.isFinished }
        return expected.offset != next.offset || expected.line != next.line || expected.isFinished != next.isFinished
            || expected.device != next.device || expected.inode != next.inode || expected.headLength != next.headLength
    }
}

/// Container-runtime log prefixes, for exporter output sent to a container log
/// (`2024-01-01T10:00:00.123456789Z stdout F {…}`).
enum LogPrefix {
    /// The line without a CRI prefix, and the length of the prefix removed.
    static func strip(_ line: UnsafeRawBufferPointer) -> (UnsafeRawBufferPointer, Int) {
        guard let first = line.first, first >= 48, first <= 57 else { return (line, 0) }
        let limit = min(line.count, 80)
        var index = 0
        while index < limit, line[index] != 0x20 { index += 1 }
        let markers: [[UInt8]] = [Array(" stdout F ".utf8), Array(" stderr F ".utf8)]
        for marker in markers where index + marker.count <= line.count {
            if marker.indices.allSatisfy({ line[index + $0] == marker[$0] }) {
                let cut = index + marker.count
                return (UnsafeRawBufferPointer(rebasing: line[cut...]), cut)
            }
        }
        return (line, 0)
    }
}

/// Seconds on a monotonic clock (for elapsed times, never for timestamps).
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func sleep(seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    _ = nanosleep(&request, nil)
}
