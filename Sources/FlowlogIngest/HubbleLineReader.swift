import FlowlogModel
import FlowlogStore
/// Reads Hubble JSON lines one record at a time, for commands that act on flows without storing
/// them (`evaluate`). Uses the same reader and decoder as ingest.
public final class HubbleLineReader {
    /// One line read: its number and what it held.
    public struct Line {
        public var number: Int64
        public var record: Result<HubbleRecord, JSONDecodingProblem>
    }

    private let file: InputFile
    private var decoder = FlowDecoder()
    private let maxLineBytes: Int
    /// The input's name for messages (`<stdin>` or the path).
    public var name: String { file.name }
    /// Records read so far, and the first line that was not one (for ``hint``).
    public private(set) var records = 0
    private var firstRejected: (bytes: [UInt8], problem: String)?

    /// What the input looks like, when lines were read and none was a Hubble record.
    public var hint: InputHint? {
        guard records == 0, let firstRejected else { return nil }
        return InputHint.classify(firstRejected.bytes, problem: firstRejected.problem)
    }

    /// Opens `input`.
    /// - Throws: ``IngestError`` when the file cannot be opened.
    public init(_ input: IngestInput, maxLineBytes: Int = IngestOptions().maxLineBytes) throws(IngestError) {
        file = try InputFile(input, maxLineBytes: maxLineBytes)
        self.maxLineBytes = maxLineBytes
    }

    /// The next non-blank line, or nil at the end of the input.
    /// - Throws: ``IngestError`` when reading fails.
    public func next() throws(IngestError) -> Line? {
        while true {
            switch try file.nextLine() {
            case .line(let raw):
                let (line, prefix) = LogPrefix.strip(raw)
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                return Line(number: file.line, record: decode(line, prefix: prefix))
            case .oversized(let number, _):
                if firstRejected == nil { firstRejected = ([], "line too long") }
                return Line(number: number, record: .failure(JSONDecodingProblem(
                    path: [], message: "line longer than \(maxLineBytes) bytes", column: 0)))
            case .end(let partial):
                guard let partial, file.atEOF else { return nil }
                file.consumePartial()
                if partial.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                let (line, prefix) = LogPrefix.strip(partial)
                return Line(number: file.line, record: decode(line, prefix: prefix))
            }
        }
    }

    private func decode(_ line: UnsafeRawBufferPointer, prefix: Int) -> Result<HubbleRecord, JSONDecodingProblem> {
        do {
            let record = try decoder.decode(line)
            records += 1
            return .success(record)
        } catch {
            if firstRejected == nil { firstRejected = (Array(line.prefix(512)), error.message) }
            var problem = error
            problem.column += prefix
            return .failure(problem)
        }
    }
}
