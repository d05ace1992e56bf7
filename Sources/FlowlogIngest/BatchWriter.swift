import FlowlogModel
import FlowlogStore
import Synchronization

/// The writer thread of an ingest: takes batches from a bounded queue and writes each in one
/// transaction. The store is used only on this thread while it runs.
///
/// A failed write stops the writer: later submissions fail with that error, so the reader stops
/// too instead of reading on into a writer that is gone. A batch the store refused because
/// another ingest had stored the same lines first is recorded as a conflict for the reader.
final class BatchWriter: Sendable {
    struct Totals: Sendable {
        var inserted = 0
        var duplicates = 0
        var error: (any Error)?
    }

    private struct State: Sendable {
        var totals = Totals()
        /// Batches submitted and not yet written.
        var pending = 0
        /// The newest conflict per input, by device and inode.
        var conflicts: [FileKey: CheckpointConflict] = [:]
    }

    // The store is touched only by the writer thread between `start()` and `finish()`; the
    // caller promises not to use it meanwhile (see ``Ingestor``).
    private nonisolated(unsafe) let store: any FlowStore
    private let queue = BoundedQueue<IngestBatch>(capacity: 2)
    private let state = Mutex(State())
    // Started, joined and cleared only by the thread that owns the ingest (the reader).
    private nonisolated(unsafe) var thread: WorkerThread?

    init(store: any FlowStore) {
        self.store = store
    }

    func start() -> Bool {
        let worker = WorkerThread { [self] in
            while let batch = queue.pop() {
                do {
                    let result = try store.write(batch)
                    state.withLock { state in
                        state.totals.inserted += result.inserted
                        state.totals.duplicates += result.duplicates
                        if let conflict = result.conflict {
                            let key = FileKey(device: conflict.device, inode: conflict.inode)
                            if conflict.epoch >= state.conflicts[key]?.epoch ?? Int.min { state.conflicts[key] = conflict }
                        }
                        state.pending -= 1
                    }
                } catch {
                    state.withLock { state in
                        state.totals.error = error
                        state.pending = 0
                    }
                    queue.close()
                    return
                }
            }
        }
        thread = worker
        return worker.start()
    }

    /// Queues `batch` for writing, waiting while the queue is full.
    /// - Throws: the error that stopped the writer, if it stopped.
    func submit(_ batch: IngestBatch) throws {
        state.withLock { $0.pending += 1 }
        guard queue.push(batch) else {
            let error = state.withLock { $0.totals.error }
            throw error ?? IngestError(input: "ingest", message: "the writer stopped")
        }
    }

    /// Waits until every submitted batch is written (or the writer failed).
    /// - Throws: the error that stopped the writer, if it stopped.
    func drain() throws {
        while true {
            let (pending, error) = state.withLock { ($0.pending, $0.totals.error) }
            if let error { throw error }
            if pending <= 0 { return }
            sleep(seconds: 0.001)
        }
    }

    /// Removes and returns the conflict recorded for the file `key`, if any.
    func takeConflict(for key: FileKey) -> CheckpointConflict? {
        state.withLock { $0.conflicts.removeValue(forKey: key) }
    }

    /// Whether a write failed (the writer stopped).
    var hasFailed: Bool { state.withLock { $0.totals.error != nil } }

    func totals() -> Totals {
        state.withLock { $0.totals }
    }

    /// Writes what is queued, stops the thread and returns the totals.
    func finish() -> Totals {
        queue.close()
        thread?.join()
        thread = nil
        return totals()
    }
}
