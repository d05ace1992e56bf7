import FlowlogModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the policy loader reads YAML from: files, directories of `.yaml` / `.yml` files, and
/// standard input (`-`).
enum PolicySources {
    /// One input to read.
    enum Source: Equatable {
        case file(String)
        case standardInput

        /// The name used in positions: the path as given, or `<stdin>`.
        var name: String {
            switch self {
            case .file(let path): path
            case .standardInput: "<stdin>"
            }
        }
    }

    /// Inputs larger than this are refused rather than read into memory.
    static let maxBytes = 64 << 20

    /// The inputs `paths` name, in order: `-` is standard input, a directory gives its `.yaml` and
    /// `.yml` files (recursively, sorted by path, skipping names that start with `.`), anything
    /// else is a file read whatever its extension. A path named twice is read once.
    ///
    /// Symbolic links to files are followed; symbolic links to directories are not, so a link
    /// cycle cannot make the walk endless.
    ///
    /// - Throws: ``PolicyError`` of kind `.unreadable` when a path does not exist or a directory
    ///   cannot be listed.
    static func expand(_ paths: [String]) throws(PolicyError) -> [Source] {
        var sources: [Source] = []
        for path in paths {
            if path == "-" {
                sources.append(.standardInput)
                continue
            }
            var info = stat()
            guard stat(path, &info) == 0 else { throw unreadable(path, "cannot read") }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                var files: [String] = []
                try collectYAMLFiles(in: path, into: &files)
                sources += files.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).map { .file($0) }
            } else {
                sources.append(.file(path))
            }
        }
        var seen: [Source] = []
        return sources.filter { source in
            if seen.contains(source) { return false }
            seen.append(source)
            return true
        }
    }

    private static func collectYAMLFiles(in directory: String, into files: inout [String]) throws(PolicyError) {
        guard let handle = opendir(directory) else { throw unreadable(directory, "cannot list directory") }
        defer { closedir(handle) }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        while true {
            errno = 0
            guard let entry = readdir(handle) else {
                if errno != 0 { throw unreadable(directory, "cannot list directory") }
                return
            }
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name.hasPrefix(".") { continue }
            let path = prefix + name
            var info = stat()
            guard lstat(path, &info) == 0 else { throw unreadable(path, "cannot read") }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try collectYAMLFiles(in: path, into: &files)
            case S_IFREG, S_IFLNK:
                guard name.hasSuffix(".yaml") || name.hasSuffix(".yml") else { continue }
                // A link must lead to a regular file; a dangling link is an error, not silence.
                if (info.st_mode & S_IFMT) == S_IFLNK {
                    guard stat(path, &info) == 0 else { throw unreadable(path, "cannot read") }
                    guard (info.st_mode & S_IFMT) == S_IFREG else { continue }
                }
                files.append(path)
            default:
                continue
            }
        }
    }

    /// The whole content of `source`.
    ///
    /// - Throws: ``PolicyError`` of kind `.unreadable`.
    static func contents(of source: Source) throws(PolicyError) -> [UInt8] {
        switch source {
        case .standardInput:
            return try readAll(descriptor: 0, name: source.name)
        case .file(let path):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw unreadable(path, "cannot open") }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw unreadable(path, "cannot read") }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw PolicyError(kind: .unreadable, location: nil, message: "cannot read \(YAMLNode.quoted(path, limit: nil)): is a directory")
            }
            return try readAll(descriptor: descriptor, name: path)
        }
    }

    private static func readAll(descriptor: Int32, name: String) throws(PolicyError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(name, "cannot read")
            }
            bytes += chunk[0..<count]
            guard bytes.count <= maxBytes else {
                throw PolicyError(kind: .unreadable, location: nil,
                                  message: "cannot read \(YAMLNode.quoted(name, limit: nil)): larger than \(maxBytes >> 20) MiB")
            }
        }
    }

    /// `cannot <action> "<path>": <strerror(errno)>`.
    private static func unreadable(_ path: String, _ action: String) -> PolicyError {
        let reason = String(cString: strerror(errno))
        return PolicyError(kind: .unreadable, location: nil, message: "\(action) \(YAMLNode.quoted(path, limit: nil)): \(reason)")
    }
}
