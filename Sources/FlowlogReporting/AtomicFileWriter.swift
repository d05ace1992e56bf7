import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an output file (`report --out`) so that a reader never sees half of it, without
/// changing what kind of file the target is or who may read it.
///
/// - A regular file (or none yet): the text goes to a new temporary file beside the target
///   (created exclusively, never through a symlink), is flushed to disk, given the target's mode
///   and owner (or the requested mode; a new file 0600), and renamed over the target. A reader
///   sees the old file or the new one, never half of one.
/// - A symlink at the target is replaced, not followed into another file.
/// - A FIFO or a device (`/dev/null`, `/dev/stdout` of a terminal) is opened and written in place:
///   replacing it would turn `/dev/null` into a regular file, and nothing is ever unlinked or
///   renamed over a special file.
/// - A directory or a socket is refused.
public enum AtomicFileWriter {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Permissions of a file that did not exist: the owner's only, as a report may name pods and
    /// addresses. `--mode` chooses others.
    public static let defaultMode: mode_t = 0o600

    /// Reads `--mode`: octal permission bits `000`–`777`, with or without a leading `0` or `0o`
    /// (`0644`, `640`, `0o600`); nil for anything else (setuid/setgid/sticky bits included).
    public static func mode(octal text: String) -> mode_t? {
        var digits = Substring(text)
        if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
        while digits.count > 3, digits.first == "0" { digits = digits.dropFirst() }
        guard (1...3).contains(digits.count), digits.allSatisfy({ ("0"..."7").contains($0) }),
              let value = mode_t(digits, radix: 8) else { return nil }
        return value
    }

    /// Writes `text` to `path` (see the type's discussion for what happens with each kind of file).
    ///
    /// - Parameter mode: permissions to give the file; nil keeps an existing regular file's mode
    ///   and gives a new one ``defaultMode``.
    /// - Throws: ``Failure`` naming the path and what the system said.
    public static func write(_ text: String, to path: String, mode: mode_t? = nil) throws(Failure) {
        var status = stat()
        if lstat(path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                let existing = Existing(mode: status.st_mode & 0o7777, owner: status.st_uid, group: status.st_gid)
                try replace(path, with: text, mode: mode, keeping: existing)
            case S_IFLNK:
                try replace(path, with: text, mode: mode, keeping: nil)
            case S_IFDIR:
                throw Failure(path: path, message: "is a directory")
            case S_IFSOCK:
                throw Failure(path: path, message: "is a socket; give a file, a FIFO or a device")
            default:
                // FIFO, character or block device.
                if try !writeInPlace(path, text) {
                    // Replaced by a regular file between lstat and open: start again.
                    try write(text, to: path, mode: mode)
                }
            }
        } else if errno == ENOENT {
            try replace(path, with: text, mode: mode, keeping: nil)
        } else {
            throw Failure(path: path, message: "cannot inspect: \(systemError())")
        }
    }

    /// What an existing regular target had, to be given to its replacement.
    private struct Existing {
        var mode: mode_t
        var owner: uid_t
        var group: gid_t
    }

    /// The temporary-file-and-rename path, for regular files and for targets that do not exist.
    private static func replace(_ path: String, with text: String, mode: mode_t?, keeping existing: Existing?) throws(Failure) {
        let (directory, name) = split(path)
        guard !name.isEmpty else { throw Failure(path: path, message: "names no file") }
        var temporary = ""
        var descriptor: Int32 = -1
        for attempt in 0..<100 {
            temporary = directory + ".\(name).tmp-\(getpid())-\(attempt)-\(UInt32.random(in: 0...UInt32.max))"
            // 0600 until the write is done; the final mode is set below, whatever the umask.
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw Failure(path: path, message: "cannot create a temporary file: \(systemError())") }
        var message: String?
        if let problem = writeAll(descriptor, text) {
            message = "cannot write: \(problem)"
        } else if fchmod(descriptor, mode ?? existing?.mode ?? defaultMode) != 0 {
            message = "cannot set the file mode: \(systemError())"
        } else if let existing, let problem = giveOwner(descriptor, existing) {
            message = problem
        } else if fsync(descriptor) != 0 {
            message = "cannot flush to disk: \(systemError())"
        }
        close(descriptor)
        if message == nil && rename(temporary, path) != 0 {
            message = "cannot replace the file: \(systemError())"
        }
        if let message {
            unlink(temporary)
            throw Failure(path: path, message: message)
        }
    }

    /// Gives the temporary file the owner and group of the file it replaces; a message when that
    /// is not allowed (only root may give a file away), so the replacement is not made.
    private static func giveOwner(_ descriptor: Int32, _ existing: Existing) -> String? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return "cannot inspect the temporary file: \(systemError())" }
        guard status.st_uid != existing.owner || status.st_gid != existing.group else { return nil }
        guard fchown(descriptor, existing.owner, existing.group) == 0 else {
            return "cannot keep the file's owner \(existing.owner):\(existing.group) (\(systemError())); "
                + "write to a new file or as its owner"
        }
        return nil
    }

    /// Writes to a FIFO or device as it is. Returns false, having written nothing, when the path
    /// turned out to be a regular file after all (it was replaced after `lstat`).
    private static func writeInPlace(_ path: String, _ text: String) throws(Failure) -> Bool {
        // No O_CREAT: the node exists, and if it vanished nothing must be created in its place.
        // No O_TRUNC: meaningless for these, and dangerous if a regular file slipped in.
        let descriptor = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { throw Failure(path: path, message: "cannot open for writing: \(systemError())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Failure(path: path, message: "cannot inspect: \(systemError())") }
        if status.st_mode & S_IFMT == S_IFREG { return false }
        // No fsync: FIFOs and most devices do not support it, and there is no file to make durable.
        if let problem = writeAll(descriptor, text) { throw Failure(path: path, message: "cannot write: \(problem)") }
        return true
    }

    /// Writes every byte of `text`, retrying after interruptions; the error text on failure.
    private static func writeAll(_ descriptor: Int32, _ text: String) -> String? {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                writeBytes(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return systemError()
            }
            written += count
        }
        return nil
    }

    /// The directory part of `path` with its trailing slash (empty for the current directory),
    /// and the file name.
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}

/// `write(2)`, named apart from the enum's own `write`.
private func writeBytes(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    guard let buffer else { return 0 }
    return write(descriptor, buffer, count)
}
