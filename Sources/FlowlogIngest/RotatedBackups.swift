import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the rotated backups of a live input file in its directory, so lines written between
/// two ingests are not lost when the writer rotated the file, even several times.
///
/// Two naming schemes are recognised, with or without a `.gz` suffix (the content is recognised
/// as gzip by its first bytes, not by the name):
/// - Hubble's exporter (`hubble-export-file-max-size-mb`, `-max-backups`, `-compress`) renames
///   `STEM.EXT` to `STEM-<timestamp>.EXT`, e.g. `events-2026-11-29T20-00-00.000.log`;
/// - logrotate renames `NAME` to `NAME.N`, or with `dateext` to `NAME-YYYYMMDD`.
/// A file of any other name in the directory whose device and inode are in `known` (a file read
/// before under the live name) is a backup too.
enum RotatedBackups {
    struct Candidate: Equatable {
        var path: String
        var modified: Int64
        var device: UInt64
        var inode: UInt64
    }

    /// The backups beside `livePath`, oldest first (by modification time, then name).
    static func candidates(of livePath: String, known: Set<FileKey> = []) -> [Candidate] {
        guard let slash = livePath.lastIndex(of: "/") else { return [] }
        let directory = slash == livePath.startIndex ? "/" : String(livePath[..<slash])
        let liveName = String(livePath[livePath.index(after: slash)...])
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var found: [Candidate] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != "..", name != liveName else { continue }
            let path = (directory == "/" ? "" : directory) + "/" + name
            var info = stat()
            // lstat: a symlink in the directory is not followed to some other file.
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let key = FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            guard isBackupName(name, of: liveName) || known.contains(key) else { continue }
            found.append(Candidate(path: path, modified: InputFile.modificationTime(info),
                                   device: key.device, inode: key.inode))
        }
        return found.sorted { ($0.modified, $0.path) < ($1.modified, $1.path) }
    }

    /// Whether `name` is a rotated backup's name of the live file `liveName`.
    static func isBackupName(_ name: String, of liveName: String) -> Bool {
        let base = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
        // logrotate: NAME.N, NAME-YYYYMMDD
        for separator in [".", "-"] where base.hasPrefix(liveName + separator) {
            let rest = base.dropFirst(liveName.count + 1)
            if !rest.isEmpty && rest.allSatisfy(\.isASCIIDigit) { return true }
        }
        // Hubble's exporter: STEM-<timestamp>.EXT
        let stem: Substring
        let suffix: Substring
        if let dot = liveName.lastIndex(of: "."), dot != liveName.startIndex {
            stem = liveName[..<dot]
            suffix = liveName[dot...]
        } else {
            stem = Substring(liveName)
            suffix = ""
        }
        guard base.hasPrefix(stem + "-"), base.hasSuffix(suffix) else { return false }
        let middle = base.dropFirst(stem.count + 1).dropLast(suffix.count)
        guard let first = middle.first, first.isASCIIDigit else { return false }
        return middle.allSatisfy { $0.isASCIIDigit || "-T:.Z".contains($0) }
    }
}

/// A file's identity: its device and inode.
struct FileKey: Hashable {
    var device: UInt64
    var inode: UInt64
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
