import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `--mode` value: octal permission bits for an `--out` file (`0644`).
struct FileModeArgument {
    var value: mode_t

    /// - Throws: `ValidationError`, reported as a usage error (exit 64) naming `--mode`.
    static func parse(_ text: String) throws -> FileModeArgument {
        guard let value = AtomicFileWriter.mode(octal: text) else {
            throw ValidationError("expected octal permissions 000-777, such as 0644 or 0600")
        }
        return FileModeArgument(value: value)
    }
}
