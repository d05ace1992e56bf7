import FlowlogModel
import FlowlogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded cache of decoded JSON values keyed by their exact bytes, found from the position
/// where a value starts, without scanning to its end first.
///
/// The decoder uses it for endpoint objects and short strings: a cluster has few identities and
/// very many flows, so the same endpoint object appears in most lines byte for byte. Entries are
/// filed under a hash of their first bytes; a candidate matches when the input continues with
/// all of its bytes. Because a cached key is one complete JSON value, a byte-equal prefix of the
/// input is that same value, already validated when it was first decoded. When the cache fills
/// up — by entry count, or by the bytes its keys and values hold (issue #14: a count alone let
/// 2,048 endpoints of 300 labels each take over 70 MB) — it is emptied, which keeps memory
/// bounded whatever the input.
struct RawBytesCache<Value> {
    private struct Entry {
        var bytes: [UInt8]
        var value: Value
    }

    /// How many leading bytes select the bucket.
    static var prefixLength: Int { 24 }

    private var buckets: [UInt64: [Int]] = [:]
    private var entries: [Entry] = []
    private let capacity: Int
    private let byteCapacity: Int
    /// Approximate bytes held by `entries`: their keys plus what the caller said each value holds.
    private var byteCount = 0
    private let seed: UInt64

    init(capacity: Int = 2048, byteCapacity: Int = 8 << 20) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
        // A per-process seed, so crafted input cannot aim for collisions.
        seed = UInt64.random(in: 1...UInt64.max)
    }

    /// The value whose bytes start at `offset` in `bytes`, and its length.
    func lookup(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (value: Value, length: Int)? {
        let remaining = bytes.count - offset
        guard remaining >= RawBytesCache.prefixLength, let base = bytes.baseAddress else { return nil }
        guard let candidates = buckets[prefixHash(base + offset)] else { return nil }
        for index in candidates {
            let entry = entries[index]
            let length = entry.bytes.count
            guard length <= remaining else { continue }
            let same = entry.bytes.withUnsafeBytes { memcmp($0.baseAddress!, base + offset, length) == 0 }
            if same { return (entry.value, length) }
        }
        return nil
    }

    /// Remembers `value` for the complete JSON value `bytes` (at least ``prefixLength`` long);
    /// `valueBytes` is about what `value` holds on the heap. A value too big for the whole budget
    /// is not kept.
    mutating func insert(_ value: Value, for bytes: UnsafeRawBufferPointer, valueBytes: Int) {
        guard bytes.count >= RawBytesCache.prefixLength, let base = bytes.baseAddress else { return }
        let cost = 64 + bytes.count + valueBytes
        guard cost <= byteCapacity else { return }
        if entries.count >= capacity || byteCount + cost > byteCapacity {
            entries.removeAll(keepingCapacity: true)
            buckets.removeAll(keepingCapacity: true)
            byteCount = 0
        }
        byteCount += cost
        entries.append(Entry(bytes: Array(bytes), value: value))
        buckets[prefixHash(base), default: []].append(entries.count - 1)
    }

    private func prefixHash(_ pointer: UnsafeRawPointer) -> UInt64 {
        var state = seed
        for word in 0..<(RawBytesCache.prefixLength / 8) {
            state = (state ^ pointer.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            state ^= state >> 29
        }
        return state
    }
}
