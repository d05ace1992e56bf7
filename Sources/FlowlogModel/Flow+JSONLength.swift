/// An upper bound on the length of a flow's Hubble JSON line, so ingest can refuse a flow that
/// `observe -o json` could not write as a line ingest reads back (issue #14: a 900,000-character
/// node name fits a 1 MiB input line once, but the JSON line writes it twice).
///
/// The bound follows the shape of `FlowJSON.line`: every string counts its exact escaped length
/// (``JSONText/escapedLength(_:)``) plus its quotes, key and separators, and all numeric and
/// enum fields together count a fixed allowance. `FlowJSONTests` checks the bound against the
/// real line for hostile flows.
extension Flow {
    /// Key, quotes, colon and comma of one string field, with room to spare.
    private static var fieldOverhead: Int { 32 }
    /// Every field that is not free text (time twice, uuid, verdict, IP, l4, event type,
    /// direction, trace point, drop reason, …) with its key, at its longest.
    private static var fixedFieldsAllowance: Int { 2048 }

    /// At least as many UTF-8 bytes as the flow's JSON line (`{"flow":…}`) has, and at most a
    /// couple of KiB more.
    public var jsonLineLengthBound: Int {
        var total = Flow.fixedFieldsAllowance
        total += 2 * (JSONText.escapedLength(nodeName) + Flow.fieldOverhead)
        total += JSONText.escapedLength(summary) + Flow.fieldOverhead
        total += Flow.jsonLengthBound(source) + Flow.jsonLengthBound(destination)
        for list in [policies.egressAllowedBy, policies.ingressAllowedBy, policies.egressDeniedBy, policies.ingressDeniedBy] {
            total += Flow.fieldOverhead
            for reference in list {
                total += JSONText.escapedLength(reference.name) + JSONText.escapedLength(reference.namespace)
                    + JSONText.escapedLength(reference.kind) + 3 * Flow.fieldOverhead
            }
        }
        for names in [sourceNames, destinationNames] {
            total += Flow.fieldOverhead
            for name in names { total += JSONText.escapedLength(name) + 3 }
        }
        return total
    }

    private static func jsonLengthBound(_ endpoint: Endpoint) -> Int {
        var total = 4 * fieldOverhead + JSONText.escapedLength(endpoint.clusterName)
            + JSONText.escapedLength(endpoint.namespace) + JSONText.escapedLength(endpoint.podName)
        total += fieldOverhead
        for label in endpoint.labels { total += JSONText.escapedLength(label) + 3 }
        total += fieldOverhead
        for workload in endpoint.workloads {
            total += JSONText.escapedLength(workload.name) + JSONText.escapedLength(workload.kind) + 2 * fieldOverhead
        }
        return total
    }
}

extension JSONText {
    /// The UTF-8 length of `value` escaped as ``appendEscaped(_:to:)`` escapes it (without quotes).
    public static func escapedLength(_ value: String) -> Int {
        var length = 0
        for scalar in value.unicodeScalars {
            switch form(of: scalar) {
            case .literal: length += UTF8.width(scalar)
            case .short: length += 2
            case .unicode: length += 6
            }
        }
        return length
    }
}
