import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension InputFile {
    // MARK: - Checkpoints

    /// The position to save after the lines taken into batches so far, or nil for inputs that
    /// cannot be resumed (standard input, pipes).
    func checkpoint() -> InputCheckpoint? {
        guard let checkpointPath else { return nil }
        refreshHead()
        let headLength = min(takenOffset, Int64(head.count), InputHead.length)
        return InputCheckpoint(path: checkpointPath, family: family, device: device, inode: inode, offset: takenOffset,
                               line: takenLine, headHash: InputHead.hash(head.prefix(Int(headLength))),
                               headLength: headLength, readStarted: readStarted,
                               isFinished: isBackup && atEOF && takenOffset == offset)
    }

    /// Continues from `checkpoint`, the store's position for this content (found by device and
    /// inode, or by the same first bytes under another name).
    /// - Returns: false when the file holds nothing past it.
    @discardableResult
    func resume(from checkpoint: InputCheckpoint?) throws(IngestError) -> Bool {
        expected = checkpoint
        guard let checkpoint else { return try seek(toOffset: 0, line: 0) }
        return try seek(toOffset: checkpoint.offset, line: checkpoint.line)
    }

    /// Whether everything in the file was read already: the store's position is at its end.
    var isFullyRead: Bool {
        guard let expected, checkpointPath != nil else { return false }
        if isCompressed { return expected.isFinished }
        return expected.offset >= currentSize()
    }

    // MARK: - Follow

    /// Whether two heads (first bytes) are of the same content: one is a prefix of the other
    /// (a file that grew since its head was read).
    static func sameStart(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let length = min(a.count, b.count)
        return a.prefix(length) == b.prefix(length) && (length > 0 || a.count == b.count)
    }

    /// What happened to the path of a followed file since it was opened.
    enum PathState {
        case same
        case truncated
        case replaced
        case missing
    }

    func pathState() -> PathState {
        guard case .file(let path) = input, checkpointPath != nil, !isCompressed else { return .same }
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        if UInt64(info.st_dev) != device || UInt64(info.st_ino) != inode { return .replaced }
        if Int64(info.st_size) < offset { return .truncated }
        return .same
    }

    /// Starts over at the beginning of the same file (after truncation). The store's position is
    /// still the one expected: the first batch replaces it (or, if the store moved on, conflicts).
    func rewind() throws(IngestError) {
        head = []
        try seek(toOffset: 0, line: 0)
        refreshHead()
    }
}
