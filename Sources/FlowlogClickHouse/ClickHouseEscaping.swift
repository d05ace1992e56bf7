/// The one escaping of values flowlog sends to ClickHouse, for both places a value appears: a
/// field of a `TabSeparated` row and the inside of a `'…'` string literal in a query.
///
/// ClickHouse reads both with the same escape sequences ("Strings are output with
/// backslash-escaped special characters… parsing also supports the sequences `\xHH`" — the
/// TabSeparated and SQL string literal sections of its documentation), so one function serves
/// both and is the only one to get right. The values are hostile (label values, pod names, paths
/// and report names come from input), so every byte that could end a field, a row or a literal,
/// or start an escape, is escaped:
///
/// - `\` → `\\`, `'` → `\'` (ends a literal), `\t` → `\t` and `\n` → `\n` (end a field or a row),
///   `\r` → `\r`, NUL → `\0`;
/// - every other byte below 0x20, and 0x7F, → `\xHH`, so nothing invisible reaches a log;
/// - every other byte, including non-UTF-8 bytes of addresses and uuids, is sent as it is
///   (ClickHouse strings are bytes).
///
/// Tested byte by byte against a live server in `ClickHouseEscapingTests`.
public enum ClickHouseEscaping {
    /// Appends the escaped form of `bytes` to `out`.
    public static func escape<Bytes: Sequence>(_ bytes: Bytes, into out: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case UInt8(ascii: "'"): out += [0x5C, 0x27]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x00: out += [0x5C, UInt8(ascii: "0")]
            case 0x01..<0x20, 0x7F:
                out += [0x5C, UInt8(ascii: "x"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
    }

    /// The escaped form of `bytes`.
    public static func escaped<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        escape(bytes, into: &out)
        return out
    }

    /// `'…'`: a string literal for a query, holding exactly `text`'s UTF-8 bytes. (Binary
    /// values, which need not be UTF-8, are written with ``binaryLiteral(_:)``.)
    public static func literal(_ text: String) -> String {
        var out: [UInt8] = [0x27]
        escape(text.utf8, into: &out)
        out.append(0x27)
        return String(decoding: out, as: UTF8.self)
    }

    /// A literal for binary bytes that survives any text handling: `unhex('0A01…')`.
    public static func binaryLiteral(_ bytes: [UInt8]) -> String {
        var out = "unhex('"
        for byte in bytes {
            out.unicodeScalars.append(UnicodeScalar(hexDigits[Int(byte >> 4)]))
            out.unicodeScalars.append(UnicodeScalar(hexDigits[Int(byte & 0xF)]))
        }
        return out + "')"
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
