import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

/// Reading count options (`--top`, `--max-warnings`): whole numbers, 0 or more.
///
/// Declared with `parsing: .unconditional`, so that `--top -1` hands "-1" to ``parse(_:)`` (and
/// gets "must be 0 or more") instead of being read as an unknown flag "-1" and reported as a
/// missing value.
enum CountArgument {
    /// - Throws: `ValidationError`, which the parser reports as a usage error (exit 64) naming the
    ///   option: `The value '-1' is invalid for '--top <top>': must be 0 or more`.
    static func parse(_ text: String) throws -> Int {
        guard let value = Int(text) else { throw ValidationError("not a whole number") }
        guard value >= 0 else { throw ValidationError("must be 0 or more") }
        return value
    }
}
