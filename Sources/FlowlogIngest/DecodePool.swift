import FlowlogModel

/// Decodes chunks of lines on worker threads and gives the results back in the order the chunks
/// were submitted.
///
/// Chunk `n` goes to worker `n % workers`, and each worker has its own first-in-first-out queues
/// in and out, so taking results from the workers in turn yields them in input order without any
/// sorting. At most ``capacity`` chunks are in flight (two per worker: one being decoded, one
/// waiting), which bounds the memory of the pipeline and means neither queue ever blocks the
/// submitting thread: the caller takes the oldest result before submitting past the bound.
///
/// With one worker no thread is started: a chunk is decoded on the submitting thread when it is
/// submitted, through the same queue of results, so one and many workers share every other step.
///
/// Used by one thread (the ingest's reader) between ``start()`` and ``stop()``.
final class DecodePool {
    /// A chunk's decoded lines, and the chunk itself emptied, for the reader to fill again.
    private struct Decoded: Sendable {
        var lines: [DecodedLine]
        var emptied: LineChunk
    }

    private final class Worker: Sendable {
        let input = BoundedQueue<LineChunk>(capacity: 2)
        let output = BoundedQueue<Decoded>(capacity: 2)
        let maxLineBytes: Int
        let endpointCacheBytes: Int

        init(maxLineBytes: Int, endpointCacheBytes: Int) {
            self.maxLineBytes = maxLineBytes
            self.endpointCacheBytes = endpointCacheBytes
        }

        /// The worker thread's loop: its own decoder (and endpoint cache), one chunk at a time.
        func run() {
            var decoder = FlowDecoder(maxLineBytes: maxLineBytes, endpointCacheBytes: endpointCacheBytes)
            while var chunk = input.pop() {
                let lines = chunk.decoded(with: &decoder)
                chunk.removeAll()
                guard output.push(Decoded(lines: lines, emptied: chunk)) else { return }
            }
        }
    }

    /// How many threads decode (1: none, the submitting thread does).
    let workerCount: Int
    private let workers: [Worker]
    private var threads: [WorkerThread] = []
    /// The decoder of the one-worker mode, and its results not taken yet.
    private var inlineDecoder: FlowDecoder
    private var inlineResults: [Decoded] = []
    /// Emptied chunks, whose storage the reader fills again: a new quarter MiB for every chunk
    /// cost a page fault per page (glibc maps allocations that large afresh each time).
    private var spares: [LineChunk] = []
    private var submitted = 0
    private var taken = 0

    /// - Parameter workers: decode threads; 1 (or less) decodes on the submitting thread.
    init(workers: Int, maxLineBytes: Int) {
        workerCount = max(1, workers)
        // The workers share one decoder's cache budget, so more threads do not mean more memory.
        let cacheBytes = FlowDecoder.endpointCacheBytes / workerCount
        self.workers = workerCount == 1 ? [] : (0..<workerCount).map { _ in
            Worker(maxLineBytes: maxLineBytes, endpointCacheBytes: cacheBytes)
        }
        inlineDecoder = FlowDecoder(maxLineBytes: maxLineBytes)
    }

    /// Chunks submitted and not taken yet.
    var inFlight: Int { submitted - taken }
    /// The most chunks in flight at once.
    var capacity: Int { workers.isEmpty ? 1 : 2 * workers.count }
    /// Whether another chunk may be submitted now.
    var hasRoom: Bool { inFlight < capacity }

    /// Starts the worker threads; returns false if the system refused one (those started are
    /// stopped again).
    func start() -> Bool {
        for worker in workers {
            let thread = WorkerThread { worker.run() }
            guard thread.start() else {
                stop()
                return false
            }
            threads.append(thread)
        }
        return true
    }

    /// Hands `chunk` over for decoding. The caller checks ``hasRoom`` first.
    func submit(_ chunk: consuming LineChunk) {
        if workers.isEmpty {
            let lines = chunk.decoded(with: &inlineDecoder)
            chunk.removeAll()
            inlineResults.append(Decoded(lines: lines, emptied: chunk))
        } else {
            workers[submitted % workers.count].input.push(chunk)
        }
        submitted += 1
    }

    /// An empty chunk to fill: the storage of one decoded before when there is one.
    func emptyChunk(targetBytes: Int, targetLines: Int) -> LineChunk {
        spares.popLast() ?? LineChunk(targetBytes: targetBytes, targetLines: targetLines)
    }

    /// Hands `chunk`'s lines over for decoding (see ``submit(_:)``) and leaves an empty chunk in
    /// its place, reusing the storage of one decoded before when there is one.
    func submitReplacing(_ chunk: inout LineChunk) {
        var next = emptyChunk(targetBytes: chunk.targetBytes, targetLines: chunk.targetLines)
        swap(&next, &chunk)
        submit(next)
    }

    /// The decoded lines of the oldest chunk in flight, waiting for them if need be; nil when
    /// nothing is in flight or the pool was stopped.
    func next() -> [DecodedLine]? {
        guard inFlight > 0 else { return nil }
        let result: Decoded?
        if workers.isEmpty {
            result = inlineResults.removeFirst()
        } else {
            result = workers[taken % workers.count].output.pop()
        }
        guard let result else { return nil }
        taken += 1
        if spares.count < capacity && !result.emptied.holdsOutsizedStorage { spares.append(result.emptied) }
        return result.lines
    }

    /// Waits for every chunk in flight and drops its results (lines read past a position the
    /// reader was sent back from, or the rest of a run that failed).
    func discardAll() {
        while inFlight > 0 {
            guard next() != nil else { return }
        }
    }

    /// Stops the worker threads (chunks still queued are dropped) and waits for them to end.
    func stop() {
        for worker in workers {
            worker.input.close()
            worker.output.close()
        }
        for thread in threads { thread.join() }
        threads.removeAll()
        inlineResults.removeAll()
        taken = submitted
    }
}
