import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C streams over descriptors 1 and 2, opened once; the C library flushes them at exit.
/// nonisolated(unsafe): the pointers are set once and never reassigned, and a C `FILE` locks
/// itself on every write.
nonisolated(unsafe) private let outputFile = fdopen(1, "w")
nonisolated(unsafe) private let errorFile = fdopen(2, "w")

/// Standard output as a text stream (buffered by the C library).
struct StandardOutput: TextOutputStream {
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { buffer in _ = fwrite(buffer.baseAddress, 1, buffer.count, outputFile) }
    }
}

/// Standard error as a text stream, written at once.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { buffer in _ = fwrite(buffer.baseAddress, 1, buffer.count, errorFile) }
        fflush(errorFile)
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var err = StandardError()
    err.write(message + "\n")
}

/// The current time.
func now() -> Timestamp {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Timestamp(seconds: Int64(time.tv_sec), nanoseconds: Int64(time.tv_nsec))
}

/// Whether a file descriptor is a terminal.
func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

/// Writes to standard error with a chosen terminator.
func printError(_ message: String, terminator: String) {
    var err = StandardError()
    err.write(message + terminator)
}

