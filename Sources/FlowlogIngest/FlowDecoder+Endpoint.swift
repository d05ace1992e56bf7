import FlowlogModel

// Endpoints: decoded once per distinct JSON text and then served from the decoder's cache.
extension FlowDecoder {
    mutating func endpoint(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Endpoint {
        scanner.skipWhitespace()
        let start = scanner.index
        if let (cached, length) = endpointCache.lookup(scanner.bytes, at: start) {
            scanner.index = start + length
            return cached
        }
        let decoded = try decodeEndpoint(&scanner)
        endpointCache.insert(decoded, for: UnsafeRawBufferPointer(rebasing: scanner.bytes[start..<scanner.index]),
                             valueBytes: ApproximateSize.of(decoded))
        return decoded
    }

    private func decodeEndpoint(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> Endpoint {
        var endpoint = Endpoint()
        try scanner.forEachMember { key, scanner throws(JSONDecodingProblem) in
            if keyMatches(key, "identity") {
                endpoint.identity = UInt32(try scanner.integer(in: 0...Int64(UInt32.max)))
            } else if keyMatches(key, "namespace") {
                endpoint.namespace = try scanner.optionalString()
            } else if keyMatches(key, "podname") {
                endpoint.podName = try scanner.optionalString()
            } else if keyMatches(key, "clustername") {
                endpoint.clusterName = try scanner.optionalString()
            } else if keyMatches(key, "labels") {
                endpoint.labels = try stringList(&scanner)
            } else if keyMatches(key, "workloads") {
                endpoint.workloads = try workloads(&scanner)
            } else {
                return .skip
            }
            return .read
        }
        return endpoint
    }

    private func stringList(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> [String] {
        var result: [String] = []
        try scanner.forEachElement { _, scanner throws(JSONDecodingProblem) in result.append(try scanner.string()) }
        return result
    }

    private func workloads(_ scanner: inout JSONScanner) throws(JSONDecodingProblem) -> [Workload] {
        var result: [Workload] = []
        try scanner.forEachElement { _, scanner throws(JSONDecodingProblem) in
            var workload = Workload(kind: "", name: "")
            guard try scanner.forEachMember({ key, scanner throws(JSONDecodingProblem) in
                if keyMatches(key, "name") {
                    workload.name = try scanner.optionalString()
                } else if keyMatches(key, "kind") {
                    workload.kind = try scanner.optionalString()
                } else {
                    return .skip
                }
                return .read
            }) else { return }
            result.append(workload)
        }
        return result
    }
}
