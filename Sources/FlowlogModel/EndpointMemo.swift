/// Values worked out once per endpoint value rather than once per use: a store hands out one
/// ``Endpoint`` value per stored endpoint and every flow or connection shares it, so a grouping
/// key, a workload or a hash is computed once for all of them.
///
/// Entries are keyed by the endpoint's shared storage (``Endpoint/sharedIdentity``) and keep
/// that endpoint alive, so an identity is never reused for another endpoint while it is held.
public struct EndpointMemo<Value> {
    private var entries: [ObjectIdentifier: (endpoint: Endpoint, value: Value)] = [:]

    public init() {}

    /// How many endpoints have a value held.
    public var count: Int { entries.count }

    /// Every value held, in no particular order.
    public var values: [Value] { entries.values.map(\.value) }

    /// Forgets every value (to bound the memory a long run holds).
    public mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    /// The value held for `endpoint`'s storage, else `compute(endpoint)`, held from now on.
    public mutating func value(for endpoint: Endpoint, _ compute: (Endpoint) throws -> Value) rethrows -> Value {
        if let held = entries[endpoint.sharedIdentity] { return held.value }
        let value = try compute(endpoint)
        entries[endpoint.sharedIdentity] = (endpoint, value)
        return value
    }
}

extension EndpointMemo: Sendable where Value: Sendable {}
