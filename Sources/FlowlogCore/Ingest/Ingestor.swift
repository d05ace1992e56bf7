#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams Hubble JSON lines from files or standard input into a ``FlowStore``.
///
/// The calling thread reads and decodes; a second thread writes batches, each in one transaction
/// together with how far each input was read. Memory stays constant: at most a few batches are
/// in flight. Malformed lines are reported through `diagnostics` and skipped; the rest is kept.
public final class Ingestor {
    private let store: any FlowStore
    private let options: IngestOptions
    private let diagnostics: (IngestDiagnostic) -> Void
    private let progress: ((IngestSummary) -> Void)?
    private let shouldStop: () -> Bool

    private var decoder: FlowDecoder
    private var batch = IngestBatch()
    /// Bytes of the lines in `batch` (see ``IngestOptions/maxBatchBytes``).
    private var batchBytes = 0
    private var summary = IngestSummary()
    private var lastFlush = monotonicSeconds()
    private var lastProgress = monotonicSeconds()
    private let writer: BatchWriter

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
    }

    /// Reads every input to its end (or, with `follow`, until stopped) and stores what it holds.
    /// - Returns: the totals of the run.
    /// - Throws: ``IngestError`` when an input cannot be read, or the store's error when writing
    ///   fails. Everything committed before the failure stays committed.
    public func run(_ inputs: [IngestInput]) throws -> IngestSummary {
        var files: [InputFile] = []
        // Rotated predecessors whose end was not read yet; read to their end before anything else.
        var predecessors: [InputFile] = []
        for input in inputs {
            let file = try InputFile(input, maxLineBytes: options.maxLineBytes)
            if let path = file.checkpointPath, let checkpoint = try store.checkpoint(forPath: path) {
                if checkpoint.device != file.device || checkpoint.inode != file.inode,
                   let rotated = InputFile.rotatedPredecessor(of: checkpoint),
                   let previous = try? InputFile(.file(rotated), maxLineBytes: options.maxLineBytes, checkpointKey: path),
                   previous.resume(from: checkpoint) == nil {
                    diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: 0,
                                                 message: "rotated since last read; finishing the old file \(rotated) first"))
                    predecessors.append(previous)
                }
                if let note = file.resume(from: checkpoint) {
                    diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: 0, message: note))
                }
            }
            files.append(file)
        }
        // From here on the store belongs to the writer thread.
        guard writer.start() else { throw IngestError(input: "ingest", message: "cannot start the writer thread") }
        var failure: (any Error)?
        do {
            for previous in predecessors where !shouldStop() {
                try readAvailable(previous, final: true)
                flush(previous)
            }
            if options.follow {
                try follow(files)
            } else {
                for file in files where !shouldStop() {
                    try readAvailable(file, final: true)
                    flush(file)
                }
            }
        } catch {
            failure = error
        }
        flush(nil)
        let written = writer.finish()
        summary.ingested = written.inserted
        summary.duplicates = written.duplicates
        if let writeError = written.error { throw writeError }
        if let failure { throw failure }
        return summary
    }

    // MARK: - Reading

    /// Reads what `file` has now. With `final`, an unterminated last line is taken if it decodes.
    /// Returns whether any line was read.
    @discardableResult
    private func readAvailable(_ file: InputFile, final: Bool) throws -> Bool {
        var readAny = false
        var sinceCheck = 0
        while true {
            switch try file.nextLine() {
            case .line(let line):
                readAny = true
                handleLine(line, lineNumber: file.line, input: file.name)
            case .oversized(let line):
                readAny = true
                summary.lines += 1
                summary.skipped += 1
                diagnostics(IngestDiagnostic(input: file.name, line: line,
                                             message: "line longer than \(options.maxLineBytes) bytes; skipped"))
            case .end(let partial):
                if let partial, final || file.checkpointPath == nil && file.atEOF {
                    handlePartial(partial, from: file)
                }
                return readAny
            }
            sinceCheck += 1
            if sinceCheck >= 1024 {
                sinceCheck = 0
                if isBatchFull || monotonicSeconds() - lastFlush >= options.commitInterval {
                    flush(file)
                }
                reportProgress()
                if shouldStop() { return readAny }
            } else if isBatchFull {
                flush(file)
            }
        }
    }

    /// An unterminated last line: a file may still be growing, so for a file it is taken only
    /// when it is a complete record; otherwise it is left for the next run.
    private func handlePartial(_ partial: UnsafeRawBufferPointer, from file: InputFile) {
        if file.checkpointPath != nil {
            guard (try? decoder.decode(partial)) != nil else {
                diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: file.line + 1,
                                             message: "incomplete last line (no newline yet); left for the next run"))
                return
            }
        }
        file.consumePartial()
        handleLine(partial, lineNumber: file.line, input: file.name)
    }

    private func handleLine(_ raw: UnsafeRawBufferPointer, lineNumber: Int64, input: String) {
        summary.lines += 1
        summary.bytesRead += Int64(raw.count + 1)
        batchBytes += raw.count
        let (line, prefixLength) = LogPrefix.strip(raw)
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        do {
            switch try decoder.decode(line) {
            case .flow(let flow):
                batch.flows.append(flow)
            case .lostEvents(let lost):
                batch.lostEvents.append(lost)
                summary.nonFlowRecords += 1
            case .other(let kind):
                batch.nonFlowCounts[kind, default: 0] += 1
                summary.nonFlowRecords += 1
            }
        } catch {
            summary.skipped += 1
            diagnostics(IngestDiagnostic(input: input, line: lineNumber, column: error.column + prefixLength,
                                         message: error.description))
        }
    }

    // MARK: - Follow

    private func follow(_ files: [InputFile]) throws {
        var files = files
        while !shouldStop() {
            var readAny = false
            for index in files.indices {
                let file = files[index]
                if try readAvailable(file, final: false) { readAny = true }
                flush(file)
                switch file.pathState() {
                case .same, .missing:
                    break
                case .truncated:
                    diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: 0,
                                                 message: "truncated; reading it from the start"))
                    file.rewind()
                    readAny = true
                case .replaced:
                    // The old file is finished (rotated away): read what is left, then the new one.
                    try readAvailable(file, final: true)
                    flush(file)
                    try file.reopen()
                    diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: 0,
                                                 message: "rotated; reading the new file from the start"))
                    files[index] = file
                    readAny = true
                }
            }
            reportProgress()
            if !readAny { sleep(seconds: options.pollInterval) }
        }
    }

    // MARK: - Writing

    /// Hands the current batch (with the position of `file`) to the writer thread.
    private func flush(_ file: InputFile?) {
        if let file, let checkpoint = file.checkpoint() { batch.checkpoints[checkpoint.path] = checkpoint }
        lastFlush = monotonicSeconds()
        guard !batch.isEmpty else { return }
        writer.submit(batch)
        batch = IngestBatch()
        batchBytes = 0
        batch.flows.reserveCapacity(options.batchSize)
    }

    private var isBatchFull: Bool {
        batch.flows.count >= options.batchSize || batchBytes >= options.maxBatchBytes
    }

    private func reportProgress() {
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

/// The writer thread: takes batches from a bounded queue and writes each in one transaction.
private final class BatchWriter: @unchecked Sendable {
    struct Totals {
        var inserted = 0
        var duplicates = 0
        var error: (any Error)?
    }

    private let store: any FlowStore
    private let queue = BoundedQueue<IngestBatch>(capacity: 2)
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var state = Totals()
    private var thread: WorkerThread?

    init(store: any FlowStore) {
        self.store = store
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    func start() -> Bool {
        let worker = WorkerThread { [self] in
            while let batch = queue.pop() {
                do {
                    let result = try store.write(batch)
                    withLock {
                        state.inserted += result.inserted
                        state.duplicates += result.duplicates
                    }
                } catch {
                    withLock { state.error = error }
                    queue.close()
                    return
                }
            }
        }
        thread = worker
        return worker.start()
    }

    func submit(_ batch: IngestBatch) {
        queue.push(batch)
    }

    func totals() -> Totals {
        withLock { state }
    }

    /// Writes what is queued, stops the thread and returns the totals.
    func finish() -> Totals {
        queue.close()
        thread?.join()
        thread = nil
        return totals()
    }

    private func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
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
