import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CZlib

/// Decompresses gzip data read from a file descriptor: one member or several concatenated ones
/// (what `cat a.gz b.gz` makes). Hubble's exporter gzips its rotated backups when
/// `hubble-export-file-compress` is set, so ingest reads them like plain files.
///
/// Owns the zlib stream (`inflateEnd` in `deinit`) and its input buffer; the descriptor belongs
/// to the caller.
final class GzipInflater {
    /// The two bytes every gzip member starts with (RFC 1952, ID1 and ID2).
    static let magic: (UInt8, UInt8) = (0x1F, 0x8B)

    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var prefix: [UInt8]
    private let descriptor: Int32
    private let name: String
    private var inputAtEnd = false
    private var memberDone = false
    private var finished = false

    /// - Parameters:
    ///   - descriptor: where the compressed bytes come from, read from its current position.
    ///   - prefix: compressed bytes already read from the descriptor (to detect the format), fed first.
    ///   - name: the input's name, for errors.
    /// - Throws: ``IngestError`` when zlib cannot be initialised (calls `inflateInit2`).
    init(descriptor: Int32, prefix: [UInt8] = [], name: String) throws(IngestError) {
        self.descriptor = descriptor
        self.prefix = prefix
        self.name = name
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard flowlog_inflate_init_gzip(stream) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            input.deallocate()
            throw IngestError(input: name, message: "cannot start gzip decompression")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Whether `bytes` start like gzip data.
    static func isGzip<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        var iterator = bytes.makeIterator()
        return iterator.next() == magic.0 && iterator.next() == magic.1
    }

    /// Decompresses up to `count` bytes into `destination`.
    /// - Returns: the number of bytes written; 0 only at the end of the data.
    /// - Throws: ``IngestError`` when the data is corrupt, ends early (a truncated file) or cannot be read.
    func read(into destination: UnsafeMutableRawPointer, count: Int) throws(IngestError) -> Int {
        guard !finished, count > 0 else { return 0 }
        stream.pointee.next_out = destination.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(min(count, Int(UInt32.max)))
        let wanted = Int(stream.pointee.avail_out)
        while Int(stream.pointee.avail_out) == wanted {
            if stream.pointee.avail_in == 0 { try refill() }
            if memberDone {
                // After a member: another member, or the end (trailing bytes that are not gzip,
                // such as padding, end the data as gzip(1) does).
                guard stream.pointee.avail_in > 0, stream.pointee.next_in.pointee == GzipInflater.magic.0 else {
                    if stream.pointee.avail_in == 0 && !inputAtEnd { continue }
                    finished = true
                    break
                }
                inflateReset(stream)
                memberDone = false
            }
            if stream.pointee.avail_in == 0 && inputAtEnd {
                throw IngestError(input: name, message: "the gzip data ends early (the file is truncated or still being written)")
            }
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                memberDone = true
            default:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw IngestError(input: name, message: "corrupt gzip data: \(detail)")
            }
        }
        return wanted - Int(stream.pointee.avail_out)
    }

    private func refill() throws(IngestError) {
        guard let base = input.baseAddress else { return }
        var filled = 0
        if !prefix.isEmpty {
            filled = min(prefix.count, input.count)
            prefix.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: filled) }
            prefix.removeFirst(filled)
        } else if !inputAtEnd {
            while true {
                let count = systemRead(descriptor, base, input.count)
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw IngestError(input: name, message: "read failed: \(systemError())") }
                if count == 0 { inputAtEnd = true }
                filled = count
                break
            }
        }
        stream.pointee.next_in = base.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(filled)
    }
}
