import FlowlogModel

/// What an input that holds no Hubble record looks like, for the error that rejects it.
///
/// Judged from its first non-blank line (after a container-log prefix) and the decoder's
/// complaint about it; each hint says what was probably meant.
public enum InputHint: Equatable, Sendable, CustomStringConvertible {
    /// gzip data after decompression (compressed twice, or gzip inside a stream).
    case gzip
    /// Bytes that are not UTF-8 text.
    case binary
    /// `hubble observe -o compact` (or table) text.
    case compactText
    /// One JSON array rather than one object per line.
    case jsonArray
    /// JSON objects, but not Hubble's (no flow, lost_events, node_status, …).
    case jsonNotHubble
    /// Text that is not JSON.
    case notJSON

    /// Classifies a sample line.
    /// - Parameters:
    ///   - line: the first non-blank line (up to a few hundred bytes is enough).
    ///   - problem: the decoder's message about it.
    public static func classify(_ line: [UInt8], problem: String) -> InputHint {
        if line.count >= 2 && line[0] == 0x1F && line[1] == 0x8B { return .gzip }
        if line.contains(0) || problem == "invalid UTF-8" { return .binary }
        let text = String(decoding: line, as: UTF8.self)
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix("[") { return .jsonArray }
        if trimmed.hasPrefix("{") {
            return problem.hasPrefix("not a Hubble record") ? .jsonNotHubble : .notJSON
        }
        let arrows = [" -> ", " <- ", " <> ", " => "]
        let verdicts = ["FORWARDED", "DROPPED", "AUDIT", "REDIRECTED", "ERROR", "TRACED", "TRANSLATED"]
        if arrows.contains(where: text.contains) && verdicts.contains(where: text.contains) { return .compactText }
        if text.hasPrefix("TIMESTAMP") && text.contains("VERDICT") { return .compactText }
        return .notJSON
    }

    public var description: String {
        switch self {
        case .gzip:
            "it is gzip data even after decompressing (compressed twice?); decompress it with gunzip first"
        case .binary:
            "it is binary data, not text"
        case .compactText:
            "it looks like `hubble observe -o compact` text; record flows with `hubble observe -o json` (or the Hubble exporter)"
        case .jsonArray:
            "it is one JSON array; flowlog reads one JSON object per line, as `hubble observe -o json` writes (jq -c '.[]' converts it)"
        case .jsonNotHubble:
            "it is JSON but not Hubble records (no flow, lost_events, node_status, agent_event or debug_event)"
        case .notJSON:
            "it is not JSON"
        }
    }
}
