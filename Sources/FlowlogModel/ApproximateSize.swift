/// Approximate heap sizes for cache budgets. They only have to be proportional to the truth,
/// within a small factor: a Swift string longer than 15 UTF-8 bytes lives in its own allocation
/// with a 32-byte header, and an array element holds the 16-byte string itself.
package enum ApproximateSize {
    package static func of(_ string: String) -> Int {
        let length = string.utf8.count
        return length <= 15 ? 0 : length + 32
    }

    package static func of(_ strings: [String]) -> Int {
        var total = 32 + strings.count * 16
        for string in strings { total += of(string) }
        return total
    }

    package static func of(_ endpoint: Endpoint) -> Int {
        var total = 96 + of(endpoint.namespace) + of(endpoint.podName) + of(endpoint.clusterName) + of(endpoint.labels)
        for workload in endpoint.workloads { total += 32 + of(workload.kind) + of(workload.name) }
        return total
    }
}
