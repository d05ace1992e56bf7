// Walking objects and arrays: the one loop every decoder of a JSON object uses, and matching keys.

extension JSONScanner {
    /// What a member closure did with the value of its key.
    package enum MemberUse {
        /// The closure consumed the value.
        case read
        /// The key is not one the caller uses: ``forEachMember(_:)`` skips (and validates) the value.
        case skip
    }

    /// Walks the object here, calling `body` with each key and the scanner positioned at its value.
    ///
    /// This is the one object loop of the decoders: it handles the separators, skips the values
    /// of keys `body` returns ``MemberUse/skip`` for, and puts the key in front of the field path
    /// of any problem found in the value (`flow.l4.TCP.destination_port`), so a member closure
    /// only reads values. Problems with the object's own syntax (a missing `,` or `:`) carry the
    /// path of the object, not of a key.
    ///
    /// The closure is not escaping and the method is inlined into each caller, so walking an
    /// object allocates nothing per key; the key text is copied into the path only on error.
    /// - Returns: false when the value was `null` (and `body` was not called), true for an object.
    /// - Throws: ``JSONDecodingProblem`` when the value is neither an object nor `null`, is not
    ///   valid JSON, or when `body` throws.
    @inlinable @inline(__always) @discardableResult
    package mutating func forEachMember(
        _ body: (_ key: UnsafeRawBufferPointer, _ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> MemberUse
    ) throws(JSONDecodingProblem) -> Bool {
        guard try beginObject() else { return false }
        var first = true
        while let keySpan = try nextKey(first: &first) {
            do throws(JSONDecodingProblem) {
                if try body(raw(keySpan), &self) == .skip { try skipValue() }
            } catch {
                throw error.under(makeString(keySpan))
            }
        }
        return true
    }

    /// Walks the array here, calling `body` with the scanner positioned at each element and the
    /// element's index; a problem inside an element gets `[index]` in its field path.
    /// - Returns: false when the value was `null` (and `body` was not called), true for an array.
    /// - Throws: ``JSONDecodingProblem`` when the value is neither an array nor `null`, is not
    ///   valid JSON, or when `body` throws.
    @inlinable @inline(__always) @discardableResult
    package mutating func forEachElement(
        _ body: (_ index: Int, _ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Void
    ) throws(JSONDecodingProblem) -> Bool {
        guard try beginArray() else { return false }
        var first = true
        var position = 0
        while try nextElement(first: &first) {
            do throws(JSONDecodingProblem) {
                try body(position, &self)
            } catch {
                throw error.under("[\(position)]")
            }
            position += 1
        }
        return true
    }
}

// MARK: - Keys

/// Compares a JSON key with a field name, ignoring `_` and ASCII case, so that both proto3 JSON
/// spellings match (`node_name` and `nodeName` both match `"nodename"`). `name` must be lowercase
/// without underscores.
@inline(__always)
package func keyMatches(_ key: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
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
package func keyInitial(_ key: UnsafeRawBufferPointer) -> UInt8 {
    for byte in key where byte != UInt8(ascii: "_") {
        return byte >= 65 && byte <= 90 ? byte + 32 : byte
    }
    return 0
}
