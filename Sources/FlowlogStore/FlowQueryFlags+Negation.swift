/// `--not`, as in `hubble observe`: it negates the one filter flag that follows it. Argument
/// parsers collect repeated options into lists and forget their order, so the order is read
/// again from the command line's words: which occurrence of which filter flag followed `--not`.
public enum NegatedFlagScan {
    /// The 0-based occurrences of each filter flag that follow `--not`, by the flag's key.
    ///
    /// - Parameters:
    ///   - arguments: the words of the command line, in order (the program name may be included).
    ///   - spellings: every spelling of every filter flag that takes a value (`--namespace`, `-n`)
    ///     to one key per flag, so aliases count as one flag.
    /// - Throws: ``FlowQueryFlagError`` for `--not --not`, or a `--not` not followed by a filter flag.
    public static func negatedOccurrences(in arguments: [String],
                                          spellings: [String: String]) throws(FlowQueryFlagError) -> [String: Set<Int>] {
        var occurrences: [String: Int] = [:]
        var negated: [String: Set<Int>] = [:]
        var pending = false
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let word = arguments[index]
            index += 1
            if word == "--" { break }
            if word == "--not" {
                if pending { throw FlowQueryFlagError(flag: "--not", message: "consecutive --not (it negates the one filter after it)") }
                pending = true
                continue
            }
            // `--flag=value`, `--flag value`, `-n value`, `-nvalue`.
            let name: String
            var valueIsAttached = false
            if let equals = word.firstIndex(of: "="), word.hasPrefix("--") {
                name = String(word[..<equals])
                valueIsAttached = true
            } else if word.hasPrefix("-"), !word.hasPrefix("--"), word.count > 2, spellings[String(word.prefix(2))] != nil {
                name = String(word.prefix(2))
                valueIsAttached = true
            } else {
                name = word
            }
            guard let key = spellings[name] else {
                if pending {
                    throw FlowQueryFlagError(flag: "--not", message: "must be followed by a filter flag such as --namespace or --ip, "
                                             + "not \(FlowQueryFlags.quoted(word))")
                }
                continue
            }
            let occurrence = occurrences[key, default: 0]
            occurrences[key] = occurrence + 1
            if pending {
                negated[key, default: []].insert(occurrence)
                pending = false
            }
            if !valueIsAttached { index += 1 }
        }
        if pending { throw FlowQueryFlagError(flag: "--not", message: "must be followed by a filter flag such as --namespace or --ip") }
        return negated
    }
}
