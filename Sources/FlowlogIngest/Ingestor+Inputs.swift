import FlowlogModel
import FlowlogStore
/// Opening inputs with their rotated backups, and following files as they grow and rotate.
extension Ingestor {
    /// Backups modified this long before the previous run opened the live file are still read:
    /// file systems with coarse timestamps round modification times down.
    static let modificationSlack: Int64 = 2_000_000_000

    // MARK: - Opening

    /// Opens `input` positioned after what the store holds of it. For a file read before, the
    /// rotated backups of it that may hold unread lines come first, oldest first.
    func openWithBackups(_ input: IngestInput, startedAt: Int64) throws(IngestError) -> [InputFile] {
        let file = try InputFile(input, maxLineBytes: options.maxLineBytes)
        file.readStarted = startedAt
        guard let path = file.checkpointPath else { return [file] }
        let saved = try storeCall(path) { try store.resumePoint(device: file.device, inode: file.inode, head: file.head) }
        try file.resume(from: saved)
        let family = try storeCall(path) { try store.checkpoints(family: path) }
        if let note = replacementNote(file, saved: saved, family: family) {
            diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: 0, message: note))
        }
        if let saved, !file.isCompressed, saved.offset > file.currentSize() {
            // Truncated with its beginning kept: the store's position is replaced, from the start.
            try file.seek(toOffset: 0, line: 0)
        }
        guard !file.isCompressed else { return [file] }
        // Never read under this name before: its backups predate this database's history.
        guard let lastStarted = family.map(\.readStarted).max() else { return [file] }
        let unfinished = Set(family.filter { !$0.isFinished }.map { FileKey(device: $0.device, inode: $0.inode) })
        var files: [InputFile] = []
        for candidate in RotatedBackups.candidates(of: path, known: unfinished) {
            let key = FileKey(device: candidate.device, inode: candidate.inode)
            guard key != file.key else { continue }
            let backup: InputFile
            do {
                backup = try InputFile(.file(candidate.path), maxLineBytes: options.maxLineBytes, family: path, isBackup: true)
            } catch {
                // Deleted by the writer's rotation meanwhile, or unreadable: it is not the input asked for.
                diagnostics(IngestDiagnostic(severity: .note, input: candidate.path, line: 0,
                                             message: "rotated backup of \(path) not read: \(error.message)"))
                continue
            }
            backup.readStarted = startedAt
            let saved = try storeCall(path) { try store.resumePoint(device: backup.device, inode: backup.inode, head: backup.head) }
            if let saved {
                if saved.isFinished { continue }
                guard try backup.resume(from: saved), !backup.isFullyRead else { continue }
            } else {
                guard candidate.modified > lastStarted - Ingestor.modificationSlack else { continue }
                try backup.resume(from: nil)
            }
            let message = saved == nil ? "rotated backup \(backup.name) holds lines not read yet; reading it first"
                : "rotated since last read; finishing the old file \(backup.name) first"
            diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: 0, message: message))
            files.append(backup)
        }
        files.append(file)
        return files
    }

    /// Why a file read before under this path is read from its start, if it is.
    private func replacementNote(_ file: InputFile, saved: InputCheckpoint?, family: [InputCheckpoint]) -> String? {
        let previous = family.first { $0.device == file.device && $0.inode == file.inode }
        if let previous, previous.offset > file.currentSize(), !file.isCompressed {
            return "shorter than when last read (truncated); reading it from the start"
        }
        guard saved == nil else { return nil }
        if previous != nil { return "its beginning changed since last read (rewritten); reading it from the start" }
        if family.contains(where: { $0.path == file.checkpointPath }) {
            return "a different file than last time (rotated or replaced); reading it from the start"
        }
        return nil
    }

    private func storeCall<T>(_ path: String, _ body: () throws -> T) throws(IngestError) -> T {
        do { return try body() } catch {
            throw IngestError(input: path, message: "cannot read its saved position: \(error)")
        }
    }

    // MARK: - Follow

    /// Reads the live files as they grow until stopped. A file replaced at its path (rotated) is
    /// read to its end from the descriptor still open, then every backup rotated since it was
    /// opened (however many rotations happened between two looks), then the new file.
    /// - Parameter files: the live files; replaced in place on rotation, so a rotated-away file
    ///   is closed (and its space freed) once it is read to its end.
    func follow(_ files: inout [InputFile], startedAt: Int64) throws {
        // Rotated-away files still read for a while: a writer may finish a line after the rename.
        var draining: [(file: InputFile, until: Double)] = []
        // The files this run read, by device and inode, with their first bytes: an inode number
        // is reused as soon as a file is deleted (an old backup dropped, a backup gzipped), so a
        // known number with other first bytes is another file.
        var seen: [FileKey: [UInt8]] = [:]
        for file in files { seen[file.key] = file.head }
        while !shouldStop() && !stopReading {
            var readAny = false
            for (file, _) in draining {
                if try readAvailable(file, final: false) { readAny = true }
                flush(file)
                try resyncIfConflicted(file)
            }
            let now = monotonicSeconds()
            for (file, until) in draining where until <= now {
                try readToEnd(file)
            }
            draining.removeAll { $0.until <= now }
            for index in files.indices {
                let file = files[index]
                if try readAvailable(file, final: false) { readAny = true }
                flush(file)
                if try resyncIfConflicted(file) { readAny = true }
                switch file.pathState() {
                case .same, .missing:
                    break
                case .truncated:
                    diagnostics(IngestDiagnostic(severity: .note, input: file.name, line: 0,
                                                 message: "truncated; reading it from the start"))
                    try file.rewind()
                    readAny = true
                case .replaced:
                    guard case .file(let path) = file.input, let livePath = file.checkpointPath else { break }
                    let fresh: InputFile
                    do {
                        fresh = try InputFile(.file(path), maxLineBytes: options.maxLineBytes)
                    } catch {
                        break  // between the rename and the new file: look again next time
                    }
                    try readAvailable(file, final: false)
                    flush(file)
                    draining.append((file, monotonicSeconds() + 2))
                    // Backups rotated since the old file was opened, that this run has not read.
                    for candidate in RotatedBackups.candidates(of: livePath)
                    where candidate.modified > file.readStarted - Ingestor.modificationSlack
                        && FileKey(device: candidate.device, inode: candidate.inode) != fresh.key {
                        guard let backup = try? InputFile(.file(candidate.path), maxLineBytes: options.maxLineBytes,
                                                          family: livePath, isBackup: true) else { continue }
                        if let head = seen[backup.key], InputFile.sameStart(head, backup.head) { continue }
                        seen[backup.key] = backup.head
                        backup.readStarted = realTimeNanoseconds()
                        // The store's position for it (if another ingest read it) comes back as a
                        // conflict on its first batch.
                        try readToEnd(backup, optional: true)
                    }
                    fresh.readStarted = realTimeNanoseconds()
                    seen[fresh.key] = fresh.head
                    diagnostics(IngestDiagnostic(severity: .note, input: fresh.name, line: 0,
                                                 message: "rotated; reading the new file from the start"))
                    files[index] = fresh
                    readAny = true
                }
            }
            reportProgress()
            if !readAny { sleep(seconds: options.pollInterval) }
        }
        for (file, _) in draining where !stopReading { try readToEnd(file) }
        if stopReading { try writer.drain() }
    }
}
