import FlowlogModel
import FlowlogStore

/// Whole lines of one input, copied out of the read buffer so that a decode worker can turn them
/// into records while the reader goes on reading.
///
/// Each line keeps the position the input reached after it (byte offset and line count), so the
/// lines' records can be taken into batches later, in order, and a checkpoint written after any
/// of them names exactly the lines taken so far.
struct LineChunk: Sendable {
    /// One line as read: its text is `bytes[start..<start + length]`.
    struct Line: Sendable {
        var start: Int
        var length: Int
        /// The line's 1-based number (for an oversized line, the number it started at).
        var number: Int64
        /// The input's content offset and line count just past this line.
        var endOffset: Int64
        var endLine: Int64
        /// For a line longer than the limit (not copied): its bytes with its newline; else nil.
        var oversizedBytes: Int64?
    }

    private(set) var bytes: [UInt8] = []
    private(set) var lines: [Line] = []
    /// Bytes after which the chunk counts as full.
    let targetBytes: Int
    /// Lines after which the chunk counts as full (many short lines are still handed over in
    /// small steps, so batches fill and commits happen as promptly as before).
    let targetLines: Int

    init(targetBytes: Int, targetLines: Int) {
        self.targetBytes = targetBytes
        self.targetLines = targetLines
        bytes.reserveCapacity(targetBytes + 4096)
    }

    var isEmpty: Bool { lines.isEmpty }
    /// Whether the storage grew well past the target (a line near the length limit), so it is
    /// not worth keeping for lines to come.
    var holdsOutsizedStorage: Bool { bytes.capacity > 2 * (targetBytes + 4096) }
    var isFull: Bool { bytes.count >= targetBytes || lines.count >= targetLines }

    /// Appends a complete line (without its newline) that ends the input at `endOffset`/`endLine`.
    mutating func append(_ line: UnsafeRawBufferPointer, number: Int64, endOffset: Int64, endLine: Int64) {
        let start = bytes.count
        bytes.append(contentsOf: line)
        lines.append(Line(start: start, length: line.count, number: number, endOffset: endOffset,
                          endLine: endLine, oversizedBytes: nil))
    }

    /// Appends the place of a line that was longer than the limit (its text is not kept).
    mutating func appendOversized(number: Int64, bytes lineBytes: Int64, endOffset: Int64, endLine: Int64) {
        lines.append(Line(start: bytes.count, length: 0, number: number, endOffset: endOffset,
                          endLine: endLine, oversizedBytes: lineBytes))
    }

    /// Empties the chunk, keeping its storage for the next lines.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
    }

    /// Decodes every line with `decoder`, in order.
    func decoded(with decoder: inout FlowDecoder) -> [DecodedLine] {
        var results: [DecodedLine] = []
        results.reserveCapacity(lines.count)
        bytes.withUnsafeBytes { all in
            for line in lines {
                var result = DecodedLine(number: line.number, endOffset: line.endOffset, endLine: line.endLine,
                                         length: line.length, outcome: .blank)
                if let oversized = line.oversizedBytes {
                    result.outcome = .oversized(bytes: oversized)
                } else {
                    let raw = UnsafeRawBufferPointer(rebasing: all[line.start..<line.start + line.length])
                    result.outcome = DecodedLine.decode(raw, number: line.number, with: &decoder)
                }
                results.append(result)
            }
        }
        return results
    }
}

/// What one line of a ``LineChunk`` held, with the position the input reached after it.
struct DecodedLine: Sendable {
    enum Outcome: Sendable {
        /// Only whitespace: counted as read, nothing else.
        case blank
        /// A Hubble record, with the digest of the line (0 for a flow that has a uuid: it is
        /// keyed by that instead; see ``RecordPosition``).
        case record(HubbleRecord, digest: UInt64)
        /// A line that is not a record: the problem (its column counted in the whole line,
        /// container-log prefix included), and the line's first bytes for ``InputHint``.
        case problem(JSONDecodingProblem, sample: [UInt8])
        /// A line longer than the limit, skipped: its bytes with its newline.
        case oversized(bytes: Int64)
    }

    var number: Int64
    var endOffset: Int64
    var endLine: Int64
    /// The line's length without its newline (0 for an oversized one).
    var length: Int
    var outcome: Outcome

    /// Decodes one line: the same steps for every line of every input, whichever thread runs them.
    static func decode(_ raw: UnsafeRawBufferPointer, number: Int64, with decoder: inout FlowDecoder) -> Outcome {
        let (line, prefixLength) = LogPrefix.strip(raw)
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .blank }
        do {
            let record = try decoder.decode(line)
            switch record {
            case .flow(let flow) where flow.uuid != nil:
                return .record(record, digest: 0)
            default:
                return .record(record, digest: RecordPosition.digest(line: number, bytes: line))
            }
        } catch {
            var problem = error
            problem.column += prefixLength
            return .problem(problem, sample: Array(line.prefix(512)))
        }
    }
}
