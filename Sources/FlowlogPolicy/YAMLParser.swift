import FlowlogModel
internal import CYAML

/// Bounds on what one YAML stream may expand to, so that hostile input fails fast instead of
/// exhausting memory or the stack.
struct YAMLLimits: Sendable {
    /// Nodes in the whole stream, counting every node an alias repeats. An alias bomb ("billion
    /// laughs": anchors that alias earlier anchors ten times over) passes this within a few
    /// levels, long before it costs anything.
    var maxNodes = 100_000
    /// How deeply collections may nest (the document's root is at depth 1). The tree is built by
    /// recursion, so this also bounds the stack.
    var maxDepth = 100
}

/// The owner of one libyaml parser (`yaml_parser_t`), reading one stream of YAML documents from
/// bytes it keeps, and building a ``YAMLNode`` tree per document.
///
/// The parser is released in `deinit` (`yaml_parser_delete`); each event has its own owner
/// (``EventHandle``) that releases it. Every libyaml return code is checked, and an event type
/// libyaml did not document is an error, not a crash.
final class YAMLParser {
    /// The name used in every ``SourceLocation`` (a path, or `<stdin>`).
    let file: String
    private let limits: YAMLLimits
    /// The bytes libyaml reads. The parser points into them, so they live as long as it does.
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let inputCount: Int
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    /// Nodes produced so far in the stream, with every alias counted at its full size.
    private var nodeCount = 0
    /// The anchors of the current document.
    private var anchors: [String: Built] = [:]

    /// Creates a parser over a copy of `bytes`; calls `yaml_parser_initialize` and
    /// `yaml_parser_set_input_string`.
    ///
    /// - Throws: ``PolicyError`` when libyaml cannot allocate its parser.
    init(bytes: [UInt8], file: String, limits: YAMLLimits = YAMLLimits()) throws(PolicyError) {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        // On failure `yaml_parser_initialize` frees whatever it allocated itself, so there is
        // nothing for `yaml_parser_delete` to release.
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deinitialize(count: 1)
            parser.deallocate()
            throw PolicyError(kind: .unreadable, location: nil, message: "\(file): cannot create a YAML parser (out of memory)")
        }
        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        self.file = file
        self.limits = limits
        self.input = input
        self.inputCount = bytes.count
        self.parser = parser
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deinitialize(count: 1)
        parser.deallocate()
        input.deallocate()
    }

    /// Parses the stream to its end: one node per document, in order. An empty document is a
    /// null scalar; a stream with no documents gives `[]`.
    ///
    /// - Throws: ``PolicyError`` of kind `.syntax` (libyaml's problem at its mark, plus one) or
    ///   `.limitExceeded`.
    func documents() throws(PolicyError) -> [YAMLNode] {
        let start = try nextEvent()
        guard case .streamStart = start.event else { throw unexpected(start) }
        var documents: [YAMLNode] = []
        while true {
            let marked = try nextEvent()
            switch marked.event {
            case .streamEnd:
                return documents
            case .documentStart:
                // Anchors are scoped to their document.
                anchors = [:]
                let root = try node(startingWith: try nextEvent(), depth: 1)
                let end = try nextEvent()
                guard case .documentEnd = end.event else { throw unexpected(end) }
                documents.append(root.node)
            default:
                throw unexpected(marked)
            }
        }
    }

    // MARK: - Building the tree

    /// A node with its size: nodes in it (aliases expanded) and levels from it to its deepest leaf.
    private struct Built {
        var node: YAMLNode
        var count: Int
        var height: Int
    }

    private func node(startingWith marked: MarkedEvent, depth: Int) throws(PolicyError) -> Built {
        let built: Built
        let anchor: String?
        switch marked.event {
        case .scalar(let scalar, let scalarAnchor):
            try checkDepth(depth, at: marked.location)
            try count(1, at: marked.location)
            built = Built(node: YAMLNode(.scalar(scalar), at: marked.location), count: 1, height: 1)
            anchor = scalarAnchor
        case .sequenceStart(let sequenceAnchor):
            try checkDepth(depth, at: marked.location)
            try count(1, at: marked.location)
            var items: [YAMLNode] = []
            var total = 1
            var height = 1
            while true {
                let next = try nextEvent()
                if case .sequenceEnd = next.event { break }
                let item = try node(startingWith: next, depth: depth + 1)
                items.append(item.node)
                total += item.count
                height = max(height, item.height + 1)
            }
            built = Built(node: YAMLNode(.sequence(items), at: marked.location), count: total, height: height)
            anchor = sequenceAnchor
        case .mappingStart(let mappingAnchor):
            try checkDepth(depth, at: marked.location)
            try count(1, at: marked.location)
            var pairs: [YAMLNode.Pair] = []
            var total = 1
            var height = 1
            while true {
                let next = try nextEvent()
                if case .mappingEnd = next.event { break }
                let key = try node(startingWith: next, depth: depth + 1)
                let value = try node(startingWith: try nextEvent(), depth: depth + 1)
                pairs.append(YAMLNode.Pair(key: key.node, value: value.node))
                total += key.count + value.count
                height = max(height, key.height + 1, value.height + 1)
            }
            built = Built(node: YAMLNode(.mapping(pairs), at: marked.location), count: total, height: height)
            anchor = mappingAnchor
        case .alias(let name):
            guard let target = anchors[name] else {
                throw PolicyError(kind: .syntax, location: marked.location,
                                  message: "alias *\(name) names no anchor defined before it in this document")
            }
            try checkDepth(depth + target.height - 1, at: marked.location)
            try count(target.count, at: marked.location)
            // The copy starts where the alias is; the nodes inside keep the anchor's positions.
            var copy = target
            copy.node.location = marked.location
            return copy
        default:
            throw unexpected(marked)
        }
        if let anchor { anchors[anchor] = built }
        return built
    }

    private func checkDepth(_ depth: Int, at location: SourceLocation) throws(PolicyError) {
        guard depth <= limits.maxDepth else {
            throw PolicyError(kind: .limitExceeded, location: location,
                              message: "YAML nesting is deeper than \(limits.maxDepth) levels")
        }
    }

    private func count(_ nodes: Int, at location: SourceLocation) throws(PolicyError) {
        nodeCount += nodes
        guard nodeCount <= limits.maxNodes else {
            throw PolicyError(kind: .limitExceeded, location: location,
                              message: "the YAML expands to more than \(limits.maxNodes) nodes (aliases count at their full size); refusing a possible alias bomb")
        }
    }

    private func unexpected(_ marked: MarkedEvent) -> PolicyError {
        PolicyError(kind: .syntax, location: marked.location, message: "unexpected YAML event \(marked.event.name)")
    }

    // MARK: - Events

    /// A libyaml event, copied into Swift values.
    private enum Event {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias(anchor: String)
        case scalar(YAMLNode.Scalar, anchor: String?)
        case sequenceStart(anchor: String?)
        case sequenceEnd
        case mappingStart(anchor: String?)
        case mappingEnd

        var name: String {
            switch self {
            case .streamStart: "stream start"
            case .streamEnd: "stream end"
            case .documentStart: "document start"
            case .documentEnd: "document end"
            case .alias: "alias"
            case .scalar: "scalar"
            case .sequenceStart: "sequence start"
            case .sequenceEnd: "sequence end"
            case .mappingStart: "mapping start"
            case .mappingEnd: "mapping end"
            }
        }
    }

    private struct MarkedEvent {
        var event: Event
        var location: SourceLocation
    }

    /// The one owner of a `yaml_event_t`: `yaml_event_delete` runs in `deinit`, whether or not
    /// parsing filled it (libyaml zeroes the event first, and deleting an empty event is a no-op).
    private final class EventHandle {
        let raw: UnsafeMutablePointer<yaml_event_t>

        init() {
            raw = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
            raw.initialize(to: yaml_event_t())
        }

        deinit {
            yaml_event_delete(raw)
            raw.deinitialize(count: 1)
            raw.deallocate()
        }
    }

    /// The next event of the stream; calls `yaml_parser_parse`. Its strings are copied before the
    /// event is released.
    private func nextEvent() throws(PolicyError) -> MarkedEvent {
        let handle = EventHandle()
        guard yaml_parser_parse(parser, handle.raw) == 1 else { throw parseError() }
        let event = handle.raw.pointee
        let location = self.location(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return MarkedEvent(event: .streamStart, location: location)
        case YAML_STREAM_END_EVENT:
            return MarkedEvent(event: .streamEnd, location: location)
        case YAML_DOCUMENT_START_EVENT:
            return MarkedEvent(event: .documentStart, location: location)
        case YAML_DOCUMENT_END_EVENT:
            return MarkedEvent(event: .documentEnd, location: location)
        case YAML_ALIAS_EVENT:
            guard let anchor = YAMLParser.string(event.data.alias.anchor) else {
                throw PolicyError(kind: .syntax, location: location, message: "alias without an anchor name")
            }
            return MarkedEvent(event: .alias(anchor: anchor), location: location)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let value: String
            if let bytes = data.value {
                value = String(decoding: UnsafeBufferPointer(start: bytes, count: data.length), as: UTF8.self)
            } else if data.length == 0 {
                value = ""
            } else {
                throw PolicyError(kind: .syntax, location: location, message: "libyaml returned a scalar without its text")
            }
            let scalar = YAMLNode.Scalar(value, style: try scalarStyle(data.style, at: location),
                                         tag: YAMLParser.string(data.tag))
            return MarkedEvent(event: .scalar(scalar, anchor: YAMLParser.string(data.anchor)), location: location)
        case YAML_SEQUENCE_START_EVENT:
            return MarkedEvent(event: .sequenceStart(anchor: YAMLParser.string(event.data.sequence_start.anchor)), location: location)
        case YAML_SEQUENCE_END_EVENT:
            return MarkedEvent(event: .sequenceEnd, location: location)
        case YAML_MAPPING_START_EVENT:
            return MarkedEvent(event: .mappingStart(anchor: YAMLParser.string(event.data.mapping_start.anchor)), location: location)
        case YAML_MAPPING_END_EVENT:
            return MarkedEvent(event: .mappingEnd, location: location)
        default:
            throw PolicyError(kind: .syntax, location: location,
                              message: "libyaml returned an unknown event type \(event.type.rawValue)")
        }
    }

    private func scalarStyle(_ style: yaml_scalar_style_t, at location: SourceLocation) throws(PolicyError) -> YAMLNode.ScalarStyle {
        switch style {
        case YAML_PLAIN_SCALAR_STYLE, YAML_ANY_SCALAR_STYLE: return .plain
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default:
            throw PolicyError(kind: .syntax, location: location, message: "libyaml returned an unknown scalar style \(style.rawValue)")
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafePointer($0)) }
    }

    // MARK: - Errors and positions

    /// libyaml marks count from 0; a ``SourceLocation`` counts from 1.
    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: mark.line + 1, column: mark.column + 1)
    }

    /// The error libyaml reported: its problem text at its problem mark (plus one), and its
    /// context when it gave one.
    private func parseError() -> PolicyError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown problem"
        switch state.error {
        case YAML_MEMORY_ERROR:
            return PolicyError(kind: .syntax, location: nil, message: "\(file): libyaml ran out of memory")
        case YAML_READER_ERROR:
            // Reader errors (bad encoding) carry a byte offset instead of a mark.
            var message = problem
            if state.problem_value != -1 {
                let hex = String(state.problem_value, radix: 16, uppercase: true)
                message += " (byte 0x\(hex.count < 2 ? "0" + hex : hex))"
            }
            return PolicyError(kind: .syntax, location: location(ofByte: state.problem_offset), message: message)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            var message = problem
            if let context = state.context.map({ String(cString: $0) }) {
                message += " (\(context) at line \(state.context_mark.line + 1), column \(state.context_mark.column + 1))"
            }
            return PolicyError(kind: .syntax, location: location(state.problem_mark), message: message)
        default:
            return PolicyError(kind: .syntax, location: location(state.problem_mark),
                               message: "\(problem) (libyaml error \(state.error.rawValue))")
        }
    }

    /// The line and column (in Unicode scalars, as libyaml counts) of byte `offset` of the input.
    private func location(ofByte offset: Int) -> SourceLocation {
        var line = 1
        var column = 1
        for byte in input.prefix(min(offset, inputCount)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}

extension YAMLParser {
    /// Parses every document of `bytes`.
    ///
    /// - Throws: ``PolicyError`` (`.syntax` or `.limitExceeded`).
    static func parse(_ bytes: [UInt8], file: String, limits: YAMLLimits = YAMLLimits()) throws(PolicyError) -> [YAMLNode] {
        try YAMLParser(bytes: bytes, file: file, limits: limits).documents()
    }
}
