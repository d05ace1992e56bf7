// Kept in the ingest target, next to the decoder that calls them per key: across a module
// boundary they would not be inlined (measured: 9% of ingest instructions as calls).

/// Compares a JSON key with a field name, ignoring `_` and ASCII case, so that both proto3 JSON
/// spellings match (`node_name` and `nodeName` both match `"nodename"`). `name` must be lowercase
/// without underscores.
@inline(__always)
func keyMatches(_ key: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
    let target = name.utf8Start
    let targetCount = name.utf8CodeUnitCount
    var keyIndex = 0
    var targetIndex = 0
    while keyIndex < key.count {
        var byte = key[keyIndex]
        keyIndex += 1
        if byte == UInt8(ascii: "_") { continue }
        if byte >= 65 && byte <= 90 { byte += 32 }
        guard targetIndex < targetCount, target[targetIndex] == byte else { return false }
        targetIndex += 1
    }
    return targetIndex == targetCount
}

/// The first byte of a key, lowercased, skipping leading underscores (for dispatch).
@inline(__always)
func keyInitial(_ key: UnsafeRawBufferPointer) -> UInt8 {
    for byte in key where byte != UInt8(ascii: "_") {
        return byte >= 65 && byte <= 90 ? byte + 32 : byte
    }
    return 0
}
