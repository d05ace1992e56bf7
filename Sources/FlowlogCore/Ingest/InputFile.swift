#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open input: a file (with a position that can be checkpointed) or standard input.
///
/// Owns its file descriptor and its read buffer, and splits what it reads into lines.
final class InputFile {
    let input: IngestInput
    let name: String
    /// The canonical path of a regular file; nil for standard input and pipes.
    let checkpointPath: String?
    private(set) var descriptor: Int32
    private(set) var device: UInt64 = 0
    private(set) var inode: UInt64 = 0
    /// Byte offset just past the last complete line handed out.
    private(set) var offset: Int64 = 0
    /// Lines handed out so far.
    private(set) var line: Int64 = 0

    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var discarding = false
    private var discardStartLine: Int64 = 0
    private let maxLineBytes: Int
    private(set) var atEOF = false

    private var headLength: Int64 = 0
    private var headHash: Int64 = 0

    static let headBytes: Int64 = 4096

    /// - Parameter checkpointKey: the path the checkpoint is saved under, when it is not this
    ///   file's own (a rotated predecessor is read under the name it was checkpointed by).
    init(_ input: IngestInput, maxLineBytes: Int, checkpointKey: String? = nil) throws(IngestError) {
        self.input = input
        self.maxLineBytes = maxLineBytes
        name = input.description
        switch input {
        case .standardInput:
            descriptor = 0
            checkpointPath = nil
        case .file(let path):
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { throw IngestError(input: path, message: "cannot open: \(systemError())") }
            descriptor = opened
            var info = stat()
            guard fstat(opened, &info) == 0 else {
                close(opened)
                throw IngestError(input: path, message: "cannot stat: \(systemError())")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                close(opened)
                throw IngestError(input: path, message: "is a directory")
            }
            if (info.st_mode & S_IFMT) == S_IFREG {
                checkpointPath = checkpointKey ?? InputFile.canonicalPath(path)
                device = UInt64(info.st_dev)
                inode = UInt64(info.st_ino)
            } else {
                checkpointPath = nil
            }
        }
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maxLineBytes + (1 << 18), alignment: 8)
    }

    deinit {
        buffer.deallocate()
        if descriptor > 2 { close(descriptor) }
    }

    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    // MARK: - Checkpoints

    /// Continues from `checkpoint` when it describes this same file, unchanged up to the saved
    /// offset; otherwise reads from the start. Returns a note when the file was replaced.
    func resume(from checkpoint: InputCheckpoint?) -> String? {
        guard let checkpoint, checkpointPath != nil else { return nil }
        let size = currentSize()
        if checkpoint.device != device || checkpoint.inode != inode {
            return "a different file than last time (rotated or replaced); reading it from the start"
        }
        if size < checkpoint.offset {
            return "shorter than when last read (truncated); reading it from the start"
        }
        guard hashOfHead(length: checkpoint.headLength) == checkpoint.headHash else {
            return "its beginning changed since last read (rewritten); reading it from the start"
        }
        guard lseek(descriptor, off_t(checkpoint.offset), SEEK_SET) >= 0 else { return nil }
        offset = checkpoint.offset
        line = checkpoint.line
        headLength = checkpoint.headLength
        headHash = checkpoint.headHash
        return nil
    }

    /// The position to save, or nil for inputs that cannot be resumed.
    func checkpoint() -> InputCheckpoint? {
        guard let checkpointPath else { return nil }
        let wanted = min(offset, InputFile.headBytes)
        if wanted != headLength {
            headLength = wanted
            headHash = hashOfHead(length: wanted)
        }
        return InputCheckpoint(path: checkpointPath, device: device, inode: inode, offset: offset, line: line,
                               headHash: headHash, headLength: headLength)
    }

    /// FNV-1a over the first `length` bytes (stable across runs, unlike a seeded hash).
    private func hashOfHead(length: Int64) -> Int64 {
        guard length > 0 else { return 0 }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, Int(length), 0) }
        guard count == Int(length) else { return -1 }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return Int64(bitPattern: hash)
    }

    func currentSize() -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return 0 }
        return Int64(info.st_size)
    }

    /// The file that was checkpointed under `checkpoint.path` before it was rotated away: a
    /// regular file in the same directory with the checkpoint's device and inode, if one is
    /// there. Reading it first means a rotation while flowlog was not running loses nothing.
    static func rotatedPredecessor(of checkpoint: InputCheckpoint) -> String? {
        let path = checkpoint.path
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let candidate = (directory == "/" ? "" : directory) + "/" + name
            var info = stat()
            guard lstat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                  UInt64(info.st_dev) == checkpoint.device, UInt64(info.st_ino) == checkpoint.inode,
                  candidate != path else { continue }
            return candidate
        }
        return nil
    }

    // MARK: - Follow

    /// What happened to the path of a followed file since it was opened.
    enum PathState {
        case same
        case truncated
        case replaced
        case missing
    }

    func pathState() -> PathState {
        guard case .file(let path) = input, checkpointPath != nil else { return .same }
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        if UInt64(info.st_dev) != device || UInt64(info.st_ino) != inode { return .replaced }
        if Int64(info.st_size) < offset { return .truncated }
        return .same
    }

    /// Starts over at the beginning of the same file (after truncation).
    func rewind() {
        _ = lseek(descriptor, 0, SEEK_SET)
        offset = 0
        line = 0
        start = 0
        end = 0
        discarding = false
        atEOF = false
        headLength = 0
        headHash = 0
    }

    /// Opens the file now at the path (after rotation) and reads it from the start.
    func reopen() throws(IngestError) {
        guard case .file(let path) = input else { return }
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else { throw IngestError(input: path, message: "cannot open: \(systemError())") }
        var info = stat()
        guard fstat(opened, &info) == 0 else {
            close(opened)
            throw IngestError(input: path, message: "cannot stat: \(systemError())")
        }
        close(descriptor)
        descriptor = opened
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        rewind()
    }

    // MARK: - Lines

    /// What ``nextLine(_:)`` found.
    enum LineEvent {
        /// A complete line (without its newline).
        case line(UnsafeRawBufferPointer)
        /// A line longer than the limit was skipped; it started at the given line number.
        case oversized(line: Int64)
        /// The end of the data for now: the input reached EOF, or (for follow) has nothing more yet.
        /// `partial` holds an unterminated last line, which stays unconsumed.
        case end(partial: UnsafeRawBufferPointer?)
    }

    /// Returns the next line. The buffer passed with `.line` is valid until the next call.
    func nextLine() throws(IngestError) -> LineEvent {
        while true {
            if start < end {
                let base = buffer.baseAddress! + start
                if let found = memchr(base, 0x0A, end - start) {
                    let length = found - base
                    let lineStart = start
                    start += length + 1
                    offset += Int64(length + 1)
                    line += 1
                    if discarding {
                        discarding = false
                        return .oversized(line: discardStartLine)
                    }
                    if length > maxLineBytes { return .oversized(line: line) }
                    return .line(UnsafeRawBufferPointer(start: buffer.baseAddress! + lineStart, count: length))
                }
                if discarding || end - start > maxLineBytes {
                    if !discarding {
                        discarding = true
                        discardStartLine = line + 1
                    }
                    // Drop what has been read of the oversized line; its bytes still count.
                    offset += Int64(end - start)
                    start = end
                }
            }
            if start > 0 {
                if start < end { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start) }
                end -= start
                start = 0
            }
            let count = read(descriptor, buffer.baseAddress! + end, buffer.count - end)
            if count < 0 {
                if errno == EINTR { return .end(partial: nil) }
                throw IngestError(input: name, message: "read failed: \(systemError())")
            }
            if count == 0 {
                atEOF = true
                guard end > start, !discarding else { return .end(partial: nil) }
                return .end(partial: UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: end - start))
            }
            atEOF = false
            end += count
        }
    }

    /// Consumes the unterminated last line returned by `.end(partial:)` (it was complete after all).
    func consumePartial() {
        offset += Int64(end - start)
        line += 1
        start = end
    }
}

func systemError() -> String {
    String(cString: strerror(errno))
}
