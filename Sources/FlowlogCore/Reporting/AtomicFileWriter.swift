#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: the text goes to a new temporary file beside the target (created
/// exclusively, never through a symlink), is flushed to disk, and is renamed over the target. A
/// reader sees the old file or the new one, never half of one; a symlink at the target is
/// replaced, not followed into another file.
public enum AtomicFileWriter {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// - Parameter mode: permissions of the new file (reports are meant to be served: 0644).
    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws(Failure) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var temporary = ""
        var descriptor: Int32 = -1
        for attempt in 0..<100 {
            temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())-\(attempt)-\(UInt32.random(in: 0...UInt32.max))"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw Failure(path: path, message: "cannot create a temporary file: \(systemError())") }
        var ok = true
        var message = ""
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeMutableBytes { writeBytes(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                ok = false
                message = "cannot write: \(systemError())"
                break
            }
            written += count
        }
        if ok && fsync(descriptor) != 0 {
            ok = false
            message = "cannot flush to disk: \(systemError())"
        }
        close(descriptor)
        if ok && rename(temporary, path) != 0 {
            ok = false
            message = "cannot replace the file: \(systemError())"
        }
        if !ok {
            unlink(temporary)
            throw Failure(path: path, message: message)
        }
        bytes.removeAll()
    }
}

/// `write(2)`, named apart from the enum's own `write`.
private func writeBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
