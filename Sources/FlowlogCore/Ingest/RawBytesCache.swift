/// A bounded map from byte strings to values, looked up without copying the key.
///
/// The decoder uses it to reuse decoded endpoints and short strings: a cluster has few identities
/// and very many flows, so the same endpoint object appears in most lines byte for byte. When the
/// cache fills up it is emptied, which keeps memory bounded whatever the input.
struct RawBytesCache<Value> {
    private var keys: [[UInt8]?]
    private var hashes: [UInt64]
    private var values: [Value?]
    private var count = 0
    private let mask: Int
    private let seed: UInt64

    /// - Parameter slots: table size, a power of two; at most half of it is filled.
    init(slots: Int = 4096) {
        precondition(slots > 0 && slots & (slots - 1) == 0, "slots must be a power of two")
        keys = Array(repeating: nil, count: slots)
        hashes = Array(repeating: 0, count: slots)
        values = Array(repeating: nil, count: slots)
        mask = slots - 1
        // A per-process seed, so crafted input cannot aim for collisions.
        seed = UInt64.random(in: 1...UInt64.max)
    }

    func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state = seed ^ UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var index = 0
        while index + 8 <= bytes.count {
            state = (state ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            state ^= state >> 29
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        state = (state ^ tail) &* 0x94D0_49BB_1331_11EB
        return state ^ (state >> 31)
    }

    func value(for bytes: UnsafeRawBufferPointer, hash: UInt64) -> Value? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while let key = keys[slot] {
            if hashes[slot] == hash, key.count == bytes.count,
               key.withUnsafeBytes({ $0.elementsEqual(bytes) }) {
                return values[slot]
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    mutating func insert(_ value: Value, for bytes: UnsafeRawBufferPointer, hash: UInt64) {
        if count >= (mask + 1) / 2 {
            for index in keys.indices {
                keys[index] = nil
                values[index] = nil
            }
            count = 0
        }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while keys[slot] != nil { slot = (slot + 1) & mask }
        keys[slot] = Array(bytes)
        hashes[slot] = hash
        values[slot] = value
        count += 1
    }
}
