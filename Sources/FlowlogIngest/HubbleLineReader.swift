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
            return .success(try decoder.decode(line))
        } catch {
            var problem = error
            problem.column += prefix
            return .failure(problem)
        }
    }
}
