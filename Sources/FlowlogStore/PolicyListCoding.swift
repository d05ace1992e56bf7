import FlowlogModel

/// How every backend stores a flow's four policy lists: one JSON text,
/// `[["egress_allowed_by", namespace, name, kind], …]` (SQLite interns it, ClickHouse keeps it
/// in a column). One definition, so both backends read what the other would write.
package enum PolicyListCoding {
    static let listNames = ["egress_allowed_by", "ingress_allowed_by", "egress_denied_by", "ingress_denied_by"]

    package static func encode(_ policies: PolicyReferences) -> String {
        let lists = [policies.egressAllowedBy, policies.ingressAllowedBy, policies.egressDeniedBy, policies.ingressDeniedBy]
        var items: [String] = []
        for (name, list) in zip(listNames, lists) {
            for reference in list {
                items.append(JSONText.array([name, reference.namespace, reference.name, reference.kind]))
            }
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    package static func decode(_ text: String) -> PolicyReferences {
        var policies = PolicyReferences()
        for item in JSONText.parseStringArrays(text) ?? [] where item.count == 4 {
            let reference = PolicyReference(name: item[2], namespace: item[1], kind: item[3])
            switch item[0] {
            case listNames[0]: policies.egressAllowedBy.append(reference)
            case listNames[1]: policies.ingressAllowedBy.append(reference)
            case listNames[2]: policies.egressDeniedBy.append(reference)
            case listNames[3]: policies.ingressDeniedBy.append(reference)
            default: break
            }
        }
        return policies
    }
}
