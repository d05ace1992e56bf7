import FlowlogModel

// Walking objects and arrays: the one loop every object and array of the flow decoder goes
// through. It lives beside the decoder, not beside the scanner, so that it is compiled into the
// decoder's module and inlined there with each member closure: from FlowlogModel, even marked
// `@inlinable`, it stayed an out-of-line call taking the closure's context for every object.

extension JSONScanner {
    /// What a member closure did with the value of its key.
    enum MemberUse {
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
    @inline(__always) @discardableResult
    mutating func forEachMember(
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
    @inline(__always) @discardableResult
    mutating func forEachElement(
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
