import FlowlogModel
import FlowlogStore
/// A dictionary bounded by the approximate bytes its entries hold, not only by their number.
///
/// An entry count alone does not bound memory: one endpoint may carry three hundred labels, so
/// fifty thousand of them took gigabytes (issue #14). Each insertion states its approximate cost;
/// when the next entry would pass the budget, the cache is emptied and refills on demand. Emptying
/// is chosen over LRU order because the hit path must stay one hash lookup: a cluster has few
/// identities and very many flows, so in practice the cache fills once and never empties, and a
/// hostile input that makes it empty again costs only the lookups it would have missed anyway.
struct ByteBoundedCache<Key: Hashable, Value> {
    private var entries: [Key: Value] = [:]
    /// The approximate bytes held by `entries`.
    private(set) var byteCount = 0
    let byteLimit: Int
    let entryLimit: Int

    /// What one dictionary slot costs besides what its key and value point to (hash table
    /// bucket, metadata, the inline key and value).
    static var entryOverhead: Int { 48 + MemoryLayout<Key>.stride + MemoryLayout<Value>.stride }

    init(byteLimit: Int, entryLimit: Int = 50_000) {
        self.byteLimit = byteLimit
        self.entryLimit = entryLimit
    }

    var count: Int { entries.count }

    subscript(key: Key) -> Value? { entries[key] }

    /// Remembers `value` for `key`; `bytes` is what the pair holds on the heap beyond the slot.
    /// An entry bigger than the whole budget is not kept at all.
    mutating func insert(_ value: Value, for key: Key, bytes: Int) {
        let cost = bytes + Self.entryOverhead
        guard cost <= byteLimit else { return }
        if entries.count >= entryLimit || byteCount + cost > byteLimit { removeAll() }
        if entries.updateValue(value, forKey: key) == nil { byteCount += cost }
    }

    mutating func removeAll() {
        // The table's capacity is kept: it is proportional to the entry limit, not to input
        // sizes, and reallocating it on every refill would cost more than it saves.
        entries.removeAll(keepingCapacity: true)
        byteCount = 0
    }
}
