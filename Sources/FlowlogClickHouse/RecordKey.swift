import FlowlogModel
import FlowlogStore

/// The deterministic 64-bit keys rows are identified, deduplicated and sharded by.
///
/// FNV-1a, stable across runs, processes and machines (Swift's `Hasher` is seeded per process).
/// Each kind of key starts with its own tag byte, so a uuid never shares a key with a position.
/// 64 bits make an accidental collision between two of a billion flows a 1-in-40-million event;
/// a collision would merge two rows, never split one.
enum RecordKey {
    private struct FNV {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325

        mutating func add(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }

        mutating func add(_ value: UInt64) {
            var rest = value
            for _ in 0..<8 {
                add(UInt8(truncatingIfNeeded: rest))
                rest >>= 8
            }
        }

        mutating func add(_ text: String) {
            add(UInt64(text.utf8.count))
            for byte in text.utf8 { add(byte) }
        }
    }

    /// A flow with a uuid: the uuid alone, whichever file or run it came from (as the SQLite
    /// store skips a uuid it already holds).
    static func flow(uuid: FlowUUID) -> UInt64 {
        var fnv = FNV()
        fnv.add(UInt8(ascii: "U"))
        uuid.withBytes { raw in for byte in raw { fnv.add(byte) } }
        return fnv.hash
    }

    /// A record without a uuid: the file it was read from, its line and the line's digest; or,
    /// for an input without identity (standard input), the run's `nonce` instead of the file.
    static func record(tag: UInt8, input: FileIdentity?, nonce: UInt64, position: RecordPosition) -> UInt64 {
        var fnv = FNV()
        fnv.add(tag)
        if let input {
            fnv.add(input.device)
            fnv.add(input.inode)
        } else {
            fnv.add(UInt8(ascii: "-"))
            fnv.add(nonce)
        }
        fnv.add(UInt64(bitPattern: position.line))
        fnv.add(position.digest)
        return fnv.hash
    }

    /// A lost-event record: every field, so the same record read twice has one key.
    static func lostEvents(_ event: LostEvents) -> UInt64 {
        var fnv = FNV()
        fnv.add(UInt8(ascii: "L"))
        fnv.add(UInt64(bitPattern: event.time.rawValue))
        fnv.add(event.nodeName)
        fnv.add(event.source)
        fnv.add(UInt64(bitPattern: event.count))
        fnv.add(UInt64(bitPattern: event.cpu.map(Int64.init) ?? -1))
        return fnv.hash
    }

    /// An endpoint: every field, so equal endpoints share a key.
    static func endpoint(_ endpoint: Endpoint) -> UInt64 {
        var fnv = FNV()
        fnv.add(UInt8(ascii: "E"))
        fnv.add(UInt64(endpoint.identity))
        fnv.add(endpoint.namespace)
        fnv.add(endpoint.podName)
        fnv.add(endpoint.clusterName)
        fnv.add(UInt64(endpoint.labels.count))
        for label in endpoint.labels { fnv.add(label) }
        fnv.add(UInt64(endpoint.workloads.count))
        for workload in endpoint.workloads {
            fnv.add(workload.kind)
            fnv.add(workload.name)
        }
        return fnv.hash
    }

    /// A file's checkpoint row.
    static func file(device: UInt64, inode: UInt64) -> UInt64 {
        var fnv = FNV()
        fnv.add(UInt8(ascii: "F"))
        fnv.add(device)
        fnv.add(inode)
        return fnv.hash
    }

    /// A named row (a report's marker).
    static func name(_ text: String, tag: UInt8) -> UInt64 {
        var fnv = FNV()
        fnv.add(tag)
        fnv.add(text)
        return fnv.hash
    }
}
