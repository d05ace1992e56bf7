import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open input: a file (with a position that can be checkpointed) or standard input, plain
/// or gzip-compressed (recognised by its first bytes, whatever its name).
///
/// Owns its file descriptor, its decompressor and its read buffer, and splits what it reads into
/// lines. Offsets and line numbers count the decompressed content.
final class InputFile {
    let input: IngestInput
    let name: String
    /// The canonical path of a regular file; nil for standard input and pipes.
    let checkpointPath: String?
    /// The live file this one belongs to (itself, or the file it is a rotated backup of).
    let family: String
    /// Whether the content is gzip-compressed.
    private(set) var isCompressed = false
    /// Whether this file is a rotated backup (complete: it will not grow).
    let isBackup: Bool
    private(set) var descriptor: Int32
    private(set) var device: UInt64 = 0
    private(set) var inode: UInt64 = 0
    /// When the file was last modified (nanoseconds since the epoch); 0 for streams.
    private(set) var modified: Int64 = 0
    /// Byte offset just past the last complete line handed out.
    var offset: Int64 = 0
    /// Lines handed out so far.
    var line: Int64 = 0
    /// Byte offset and line count just past the last line whose record ingest took into a batch
    /// (lines are read ahead of that while others decode): where a checkpoint written now points.
    var takenOffset: Int64 = 0
    var takenLine: Int64 = 0
    /// The first bytes of the content (up to ``InputHead/length``), to recognise the file later.
    var head: [UInt8] = []
    /// What the store is believed to hold for this file: the start of the next batch's lines.
    var expected: InputCheckpoint?
    /// Bumped each time the position is reset from the store's; batches carry it, so a conflict
    /// reported for an older batch is not acted on twice.
    var epoch = 0
    /// When this run opened the file's family (nanoseconds since the epoch).
    var readStarted: Int64 = 0
    /// Hubble records (flows and others) this run read from the file.
    var records = 0
    /// Lines this run could not decode; the first one is kept as `sample` for ``InputHint``.
    var rejectedLines = 0
    var sample: (bytes: [UInt8], problem: String)?
    /// Whether this run reads the file from its first line: only then can it judge that the
    /// file holds no Hubble record at all (a file read before was already judged).
    var readsFromStart = false
    /// Until the first record, a file read from its start gets no checkpoint: an input with no
    /// Hubble record leaves nothing behind.
    var awaitsFirstRecord: Bool { readsFromStart && records == 0 }

    private var inflater: GzipInflater?
    /// Bytes read from the descriptor before the format was known (standard input only).
    private var sniffed: [UInt8] = []
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var discarding = false
    private var discardStartLine: Int64 = 0
    /// Bytes of the oversized line being discarded, counted into `offset` when its newline comes.
    private var discarded: Int64 = 0
    private let maxLineBytes: Int
    private(set) var atEOF = false

    /// - Parameters:
    ///   - family: the live file a rotated backup belongs to; nil for the file itself.
    ///   - isBackup: whether the file is a rotated backup found beside the live file.
    init(_ input: IngestInput, maxLineBytes: Int, family: String? = nil, isBackup: Bool = false) throws(IngestError) {
        self.input = input
        self.maxLineBytes = maxLineBytes
        self.isBackup = isBackup
        name = input.description
        var regularPath: String?
        switch input {
        case .standardInput:
            descriptor = 0
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
                regularPath = InputFile.canonicalPath(path)
                device = UInt64(info.st_dev)
                inode = UInt64(info.st_ino)
                modified = InputFile.modificationTime(info)
            }
        }
        checkpointPath = regularPath
        self.family = family ?? regularPath ?? name
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maxLineBytes + (1 << 18), alignment: 8)
        do throws(IngestError) {
            try detectFormat()
        } catch {
            buffer.deallocate()
            if descriptor > 2 { close(descriptor) }
            throw error
        }
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

    static func modificationTime(_ info: stat) -> Int64 {
        #if canImport(Glibc)
        let (seconds, nanoseconds) = (Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec))
        #else
        let (seconds, nanoseconds) = (Int64(info.st_mtimespec.tv_sec), Int64(info.st_mtimespec.tv_nsec))
        #endif
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? Int64.min : Int64.max) : scaled.addingReportingOverflow(nanoseconds).partialValue
    }

    // MARK: - Format

    /// Looks at the first bytes: gzip data gets a decompressor. A regular file is peeked with
    /// `pread`; a stream's first bytes are kept and fed to whichever reader follows.
    private func detectFormat() throws(IngestError) {
        if checkpointPath != nil {
            var magic: [UInt8] = [0, 0]
            let count = magic.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 2, 0) }
            if count == 2 && GzipInflater.isGzip(magic) {
                isCompressed = true
                head = try InputFile.gzipHead(descriptor: descriptor, name: name)
                guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw IngestError(input: name, message: "cannot seek: \(systemError())") }
                inflater = try GzipInflater(descriptor: descriptor, name: name)
            } else {
                refreshHead()
            }
            return
        }
        // A stream: read until two bytes are known (or the stream ends).
        var first = [UInt8](repeating: 0, count: 2)
        var have = 0
        while have < 2 {
            let count = first.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress! + have, 2 - have) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            have += count
        }
        sniffed = Array(first[..<have])
        if GzipInflater.isGzip(sniffed) {
            isCompressed = true
            inflater = try GzipInflater(descriptor: descriptor, prefix: sniffed, name: name)
            sniffed = []
        }
    }

    /// The first decompressed bytes of a gzip file (read through a second decompressor).
    private static func gzipHead(descriptor: Int32, name: String) throws(IngestError) -> [UInt8] {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw IngestError(input: name, message: "cannot seek: \(systemError())") }
        let reader = try GzipInflater(descriptor: descriptor, name: name)
        var head = [UInt8](repeating: 0, count: Int(InputHead.length))
        var filled = 0
        while filled < head.count {
            var failure: (any Error)?
            let count = head.withUnsafeMutableBytes { bytes -> Int in
                do { return try reader.read(into: bytes.baseAddress! + filled, count: bytes.count - filled) }
                catch { failure = error; return 0 }
            }
            // A file too damaged to give its first bytes is reported when it is read.
            if failure != nil || count == 0 { break }
            filled += count
        }
        return Array(head[..<filled])
    }

    /// Re-reads the head of a plain file while it is shorter than ``InputHead/length`` (the
    /// file may have grown since).
    func refreshHead() {
        guard checkpointPath != nil, !isCompressed, head.count < Int(InputHead.length) else { return }
        var bytes = [UInt8](repeating: 0, count: Int(InputHead.length))
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        if count > head.count { head = Array(bytes[..<count]) }
    }

    /// Reads the next bytes of content (decompressed, for gzip).
    private func readContent(into destination: UnsafeMutableRawPointer, count: Int) throws(IngestError) -> Int {
        if !sniffed.isEmpty {
            let taken = min(count, sniffed.count)
            sniffed.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress!, byteCount: taken) }
            sniffed.removeFirst(taken)
            return taken
        }
        if let inflater { return try inflater.read(into: destination, count: count) }
        while true {
            let count = systemRead(descriptor, destination, count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw IngestError(input: name, message: "read failed: \(systemError())")
        }
    }

    // MARK: - Position

    /// Continues after the first `offset` bytes of content (`line` lines): seeks a plain file,
    /// decompresses and discards the bytes of a gzip one.
    /// - Returns: false when the content is shorter than `offset` (nothing is left to read).
    @discardableResult
    func seek(toOffset target: Int64, line targetLine: Int64) throws(IngestError) -> Bool {
        start = 0
        end = 0
        discarding = false
        discarded = 0
        atEOF = false
        offset = 0
        line = 0
        // Whatever this returns, the next line read is the next one taken.
        defer {
            takenOffset = offset
            takenLine = line
        }
        if isCompressed {
            guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw IngestError(input: name, message: "cannot seek: \(systemError())") }
            inflater = try GzipInflater(descriptor: descriptor, name: name)
            var remaining = target
            while remaining > 0, let base = buffer.baseAddress {
                let count = try readContent(into: base, count: Int(min(remaining, Int64(buffer.count))))
                if count == 0 { break }
                remaining -= Int64(count)
            }
            offset = target - remaining
            line = targetLine
            return remaining == 0
        }
        guard checkpointPath != nil else { return target == 0 }
        guard lseek(descriptor, off_t(target), SEEK_SET) >= 0 else {
            throw IngestError(input: name, message: "cannot seek: \(systemError())")
        }
        offset = target
        line = targetLine
        return currentSize() >= target
    }

    func currentSize() -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return 0 }
        return Int64(info.st_size)
    }

    // MARK: - Lines

    /// What ``nextLine()`` found.
    enum LineEvent {
        /// A complete line (without its newline).
        case line(UnsafeRawBufferPointer)
        /// A line longer than the limit was skipped; it started at the given line number and
        /// had `bytes` bytes with its newline.
        case oversized(line: Int64, bytes: Int64)
        /// The end of the data for now: the input reached EOF, or (for follow) has nothing more yet.
        /// `partial` holds an unterminated last line, which stays unconsumed.
        case end(partial: UnsafeRawBufferPointer?)
    }

    /// Returns the next line. The buffer passed with `.line` is valid until the next call.
    func nextLine() throws(IngestError) -> LineEvent {
        guard let base = buffer.baseAddress else { return .end(partial: nil) }
        while true {
            if start < end {
                if let found = memchr(base + start, 0x0A, end - start) {
                    let length = found - (base + start)
                    let lineStart = start
                    start += length + 1
                    line += 1
                    if discarding {
                        // The position moves past an oversized line only once its end is read, so
                        // a checkpoint never lands in the middle of it.
                        let bytes = discarded + Int64(length + 1)
                        offset += bytes
                        discarding = false
                        discarded = 0
                        return .oversized(line: discardStartLine, bytes: bytes)
                    }
                    offset += Int64(length + 1)
                    if length > maxLineBytes { return .oversized(line: line, bytes: Int64(length + 1)) }
                    return .line(UnsafeRawBufferPointer(start: base + lineStart, count: length))
                }
                if discarding || end - start > maxLineBytes {
                    if !discarding {
                        discarding = true
                        discardStartLine = line + 1
                    }
                    discarded += Int64(end - start)
                    start = end
                }
            }
            if start > 0 {
                if start < end { base.copyMemory(from: base + start, byteCount: end - start) }
                end -= start
                start = 0
            }
            let count = try readContent(into: base + end, count: buffer.count - end)
            if count == 0 {
                atEOF = true
                guard end > start, !discarding else { return .end(partial: nil) }
                return .end(partial: UnsafeRawBufferPointer(start: base + start, count: end - start))
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


/// `read(2)`, under a name that does not clash with methods called `read`.
func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
