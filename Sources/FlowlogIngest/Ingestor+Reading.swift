import FlowlogModel
import FlowlogStore

/// Reading an input: the calling thread splits it into chunks of whole lines, the decode pool
/// turns them into records (on ``IngestOptions/decodeWorkers`` threads), and the calling thread
/// takes the results back in input order into batches. Everything that depends on the order of
/// lines — batches, checkpoints, diagnostics, counts — happens while taking, one line at a time,
/// exactly as if each line had been decoded when it was read.
extension Ingestor {
    /// What taking a chunk's records led to.
    enum TakeOutcome {
        case proceed
        /// Stopping was asked for: read nothing more (what was read is still taken).
        case stop
        /// The store holds the input further than read, or elsewhere: reading restarts from its
        /// position, and every line read before the restart and not taken yet is dropped.
        case resynced
    }

    /// Reads what `file` has now. With `final`, an unterminated last line is taken if it decodes.
    /// Returns whether any line was read. Every line read is taken before it returns, except
    /// when it throws a store error or is sent back by a conflict.
    @discardableResult
    func readAvailable(_ file: InputFile, final: Bool) throws -> Bool {
        var readAny = false
        var stopping = false
        var chunk = pool.emptyChunk(targetBytes: options.chunkBytes, targetLines: options.chunkLines)
        // Said after the lines before it are taken, so diagnostics stay in line order.
        var incompleteNote: IngestDiagnostic?
        // On a throw, lines in flight belong to a run that is ending (or an input that failed):
        // none of them is taken.
        var completed = false
        defer { if !completed { pool.discardAll() } }
        restart: while true {
            reading: while !stopping {
                let event: InputFile.LineEvent
                do {
                    event = try file.nextLine()
                } catch {
                    // A read error (a truncated gzip file): what was read before it is kept.
                    _ = try takeAll(&chunk, from: file)
                    completed = true
                    throw error
                }
                switch event {
                case .line(let line):
                    readAny = true
                    chunk.append(line, number: file.line, endOffset: file.offset, endLine: file.line)
                case .oversized(let line, let bytes):
                    readAny = true
                    chunk.appendOversized(number: line, bytes: bytes, endOffset: file.offset, endLine: file.line)
                case .end(let partial):
                    if let partial, final || file.checkpointPath == nil && file.atEOF {
                        if let note = leftIncomplete(partial, of: file) {
                            incompleteNote = note
                        } else {
                            file.consumePartial()
                            chunk.append(partial, number: file.line, endOffset: file.offset, endLine: file.line)
                        }
                    }
                    break reading
                }
                guard chunk.isFull else { continue }
                while !pool.hasRoom {
                    switch try takeNext(from: file) {
                    case .proceed: break
                    case .stop: stopping = true
                    case .resynced:
                        chunk.removeAll()
                        continue reading
                    }
                }
                pool.submitReplacing(&chunk)
            }
            // A conflict found while taking the last lines sent the file back: read on from there.
            if try takeAll(&chunk, from: file) == .resynced && !stopping {
                incompleteNote = nil
                continue restart
            }
            if let incompleteNote { diagnostics(incompleteNote) }
            break
        }
        completed = true
        return readAny
    }

    /// The lines read so far: takes every line in flight and in `chunk`.
    private func takeAll(_ chunk: inout LineChunk, from file: InputFile) throws -> TakeOutcome {
        if !chunk.isEmpty {
            while !pool.hasRoom {
                if try takeNext(from: file) == .resynced {
                    chunk.removeAll()
                    return .resynced
                }
            }
            pool.submitReplacing(&chunk)
        }
        while pool.inFlight > 0 {
            if try takeNext(from: file) == .resynced { return .resynced }
        }
        return .proceed
    }

    /// Takes the oldest chunk's records into batches, then does what is due every so many lines:
    /// a commit when the interval passed, a look for conflicts, progress, the stop check.
    private func takeNext(from file: InputFile) throws -> TakeOutcome {
        guard pool.inFlight > 0 else { return .proceed }
        guard var lines = pool.next() else {
            // Only a stopped pool has chunks in flight and no result; never while a run reads.
            throw IngestError(input: file.name, message: "the decode threads stopped")
        }
        for index in lines.indices {
            // The outcome is moved out of the chunk rather than copied, so a flow's strings and
            // endpoints go to the batch without a round of reference counting.
            var outcome = DecodedLine.Outcome.blank
            swap(&outcome, &lines[index].outcome)
            take(lines[index], outcome, from: file)
            if isBatchFull { flush(file, partial: true) }
        }
        if monotonicSeconds() - lastFlush >= options.commitInterval { flush(file) }
        if try resyncIfConflicted(file) {
            pool.discardAll()
            return .resynced
        }
        reportProgress()
        return shouldStop() ? .stop : .proceed
    }

    /// An unterminated last line: a file may still be growing, so for a file it is taken only
    /// when it is a complete record; otherwise it is left for the next run, and the note that
    /// says so is returned (nil: take the line).
    private func leftIncomplete(_ partial: UnsafeRawBufferPointer, of file: InputFile) -> IngestDiagnostic? {
        guard file.checkpointPath != nil, (try? decoder.decode(partial)) == nil else { return nil }
        return IngestDiagnostic(severity: .note, input: file.name, line: file.line + 1,
                                message: "incomplete last line (no newline yet); left for the next run")
    }

    /// Takes one decoded line into the batch (or the diagnostics) and moves the file's taken
    /// position past it: the position a checkpoint written now saves.
    private func take(_ line: DecodedLine, _ outcome: consuming DecodedLine.Outcome, from file: InputFile) {
        file.takenOffset = line.endOffset
        file.takenLine = line.endLine
        summary.lines += 1
        if case .oversized(let bytes) = outcome {
            summary.skipped += 1
            file.rejectedLines += 1
            summary.bytesRead += bytes
            diagnostics(IngestDiagnostic(input: file.name, line: line.number,
                                         message: "line longer than \(options.maxLineBytes) bytes; skipped"))
            return
        }
        summary.bytesRead += Int64(line.length + 1)
        batchBytes += line.length
        switch consume outcome {
        case .blank, .oversized:
            return
        case .record(let record, let digest):
            let position = RecordPosition(line: line.number, digest: digest)
            switch consume record {
            case .flow(let flow):
                batch.flows.append(flow)
                batch.positions.flows.append(position)
            case .lostEvents(let lost):
                batch.lostEvents.append(lost)
                batch.positions.lostEvents.append(position)
                summary.nonFlowRecords += 1
            case .other(let kind):
                batch.nonFlowCounts[kind, default: 0] += 1
                batch.positions.nonFlowRecords.append((kind, position))
                summary.nonFlowRecords += 1
            }
            // A batch holds the lines of one input (see `flush`), so one identity covers it.
            batch.positions.input = file.positionIdentity
            file.records += 1
        case .problem(let problem, let sample):
            summary.skipped += 1
            file.rejectedLines += 1
            if file.sample == nil { file.sample = (sample, problem.message) }
            diagnostics(IngestDiagnostic(input: file.name, line: line.number, column: problem.column,
                                         message: problem.description))
        }
    }
}
