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

// MARK: - Messages on standard error
//
// cron mails whatever a job prints, and nothing else (Debian cron ignores the exit status), so
// what flowlog writes on standard error is what a user gets mailed. Two rules follow:
// - Errors, warnings and tripped `--fail-on-…` conditions are always written (`printError`).
// - Notes, summaries and progress are for a person at a terminal (`printNote`): when standard
//   error is not a terminal they are written only with `--verbose`, so a run that succeeds
//   mails nothing.
// When standard error is not a terminal (cron, a log file, a pipe), every line also starts with
// the time in RFC 3339 UTC, to the second, so a log of many runs says when each line was written.

/// Whether standard error was a terminal when flowlog started (read once: it does not change).
private let standardErrorIsTerminal = isatty(2) == 1

/// The prefix of every line written to standard error: the current time in RFC 3339 UTC and
/// a space when standard error is not a terminal; nothing on a terminal.
func logPrefix(at time: Timestamp = now()) -> String {
    standardErrorIsTerminal ? "" : time.rfc3339(fractionDigits: 0) + " "
}

/// Prefixes each line of `message` with ``logPrefix(at:)`` (one time for all of them, so a
/// source line and its caret line stay aligned).
func logLines(_ message: String, at time: Timestamp = now()) -> String {
    let prefix = logPrefix(at: time)
    guard !prefix.isEmpty else { return message }
    var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }
    if message.hasSuffix("\n") { lines[lines.count - 1] = "" }   // a final newline ends a line, not starts one
    return lines.joined(separator: "\n")
}

/// Writes a message that is always shown (an error, a warning, a tripped condition) to
/// standard error, one line or several, each prefixed as ``logLines(_:at:)`` says.
func printError(_ message: String) {
    var err = StandardError()
    err.write(logLines(message) + "\n")
}

/// Writes a note, summary or other message about a run that went well: always on a terminal,
/// otherwise only with `--verbose` (so cron, which mails any output, mails nothing for it).
func printNote(_ message: String, verbose: Bool) {
    guard showsNotes(verbose: verbose) else { return }
    printError(message)
}

/// Whether notes are shown: standard error is a terminal, or `--verbose` was given.
func showsNotes(verbose: Bool) -> Bool { standardErrorIsTerminal || verbose }

/// The current time.
func now() -> Timestamp {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Timestamp(seconds: Int64(time.tv_sec), nanoseconds: Int64(time.tv_nsec))
}

/// Whether a file descriptor is a terminal.
func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

/// Writes to standard error with a chosen terminator and no time prefix (for progress lines
/// on a terminal, which rewrite themselves).
func printError(_ message: String, terminator: String) {
    var err = StandardError()
    err.write(message + terminator)
}

