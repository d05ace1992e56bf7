import FlowlogModel
/// What the policy loader found: the policies, and the warnings and notes about them.
public struct PolicyLoadResult: Sendable, Equatable {
    /// The policies in input order (files in the order given, a directory's files sorted by path,
    /// documents and list items in order). A policy defined again under the same
    /// `namespace/name` replaces the earlier one in place, with a warning.
    public var policies: [NetworkPolicy]
    /// The CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies, in input order, with the
    /// same replacement rule per kind and name.
    public var ciliumPolicies: [CiliumNetworkPolicy]
    /// Warnings (unknown fields, ambiguous values) and notes (documents of other kinds that were
    /// skipped), in input order.
    public var diagnostics: [PolicyDiagnostic]

    public init(policies: [NetworkPolicy] = [], ciliumPolicies: [CiliumNetworkPolicy] = [], diagnostics: [PolicyDiagnostic] = []) {
        self.policies = policies
        self.ciliumPolicies = ciliumPolicies
        self.diagnostics = diagnostics
    }
}

/// Loads Kubernetes NetworkPolicies (`networking.k8s.io/v1`) and Cilium's policies
/// (`cilium.io/v2` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy) from YAML, through
/// libyaml, mixed freely in the same files.
///
/// Inputs are files, directories and standard input; each may hold several documents (`---`)
/// and `List` documents (`kind: List` or `NetworkPolicyList`, as `kubectl get netpol -A -o yaml`
/// prints). Documents of other kinds are skipped with a note, so a whole manifest directory can
/// be given.
///
/// Errors are fail-fast: the first problem the API server would reject is thrown, with the
/// position and field path of the offending node. Warnings and notes are collected.
public enum PolicyLoader {
    /// Loads every policy in `paths`.
    ///
    /// - Parameter paths: Files (read whatever their extension), directories (their `.yaml` and
    ///   `.yml` files, recursively, sorted by path; an empty directory gives no policies), and
    ///   `-` for standard input.
    /// - Returns: The policies and the diagnostics about them.
    /// - Throws: ``PolicyError`` for the first unreadable input, YAML syntax error or invalid
    ///   policy.
    public static func load(paths: [String]) throws(PolicyError) -> PolicyLoadResult {
        var result = PolicyLoadResult()
        for source in try PolicySources.expand(paths) {
            try load(bytes: try PolicySources.contents(of: source), file: source.name, into: &result)
        }
        return result
    }

    /// Loads the policies in one YAML text.
    ///
    /// - Parameters:
    ///   - yaml: One or more YAML documents.
    ///   - file: The name used in positions (`policies/api.yaml`, `<stdin>`).
    /// - Throws: ``PolicyError`` for the first YAML syntax error or invalid policy.
    public static func load(yaml: String, file: String) throws(PolicyError) -> PolicyLoadResult {
        var result = PolicyLoadResult()
        try load(bytes: Array(yaml.utf8), file: file, into: &result)
        return result
    }

    /// Adds `policy` to `list`, or, when `isSame` finds an earlier definition of it, replaces
    /// that one (the later definition wins, as `kubectl apply` of both files would) with a warning.
    private static func keepLatest<Policy>(_ policy: Policy, in list: inout [Policy], named name: String,
                                           location: KeyPath<Policy, SourceLocation?>,
                                           diagnostics: inout [PolicyDiagnostic], isSame: (Policy) -> Bool) {
        guard let index = list.firstIndex(where: isSame) else {
            list.append(policy)
            return
        }
        let first = list[index][keyPath: location].map { " (first at \($0))" } ?? ""
        diagnostics.append(PolicyDiagnostic(
            severity: .warning, location: policy[keyPath: location],
            message: "\(name) is defined again\(first); the later definition replaces it"))
        list[index] = policy
    }

    static func load(bytes: [UInt8], file: String, into result: inout PolicyLoadResult) throws(PolicyError) {
        var diagnostics: [PolicyDiagnostic] = []
        do throws(PolicyError) {
            let documents = try YAMLParser.parse(bytes, file: file)
            let objects = try KubernetesObject.objects(in: documents, diagnostics: &diagnostics)
            var decoder = NetworkPolicyDecoder()
            var ciliumDecoder = CiliumPolicyDecoder()
            for object in objects {
                if CiliumPolicyDecoder.kinds.contains(object.kind) {
                    let policy = try ciliumDecoder.decode(object)
                    keepLatest(policy, in: &result.ciliumPolicies, named: "\(policy.kind) \(policy.qualifiedName)",
                               location: \.location, diagnostics: &diagnostics) {
                        $0.kind == policy.kind && $0.qualifiedName == policy.qualifiedName
                    }
                    continue
                }
                guard object.kind == "NetworkPolicy" else {
                    diagnostics.append(object.skippedNote())
                    continue
                }
                let policy = try decoder.decode(object)
                keepLatest(policy, in: &result.policies, named: "policy \(policy.qualifiedName)",
                           location: \.location, diagnostics: &diagnostics) { $0.qualifiedName == policy.qualifiedName }
            }
            diagnostics += decoder.diagnostics + ciliumDecoder.diagnostics
        } catch {
            throw SourceLines(bytes).attach(to: error)
        }
        result.diagnostics += SourceLines(bytes).attach(to: InputOrder.sorted(diagnostics))
    }
}

/// Diagnostics of one input, sorted by position so they read top to bottom (the decoder, the
/// list walk and the skip notes each collect their own).
enum InputOrder {
    static func sorted(_ diagnostics: [PolicyDiagnostic]) -> [PolicyDiagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            let left = (lhs.element.location?.line ?? 0, lhs.element.location?.column ?? 0, lhs.offset)
            let right = (rhs.element.location?.line ?? 0, rhs.element.location?.column ?? 0, rhs.offset)
            return left < right
        }.map(\.element)
    }
}

/// The lines of one input, for quoting the offending line under a diagnostic.
struct SourceLines {
    private let text: String

    init(_ bytes: [UInt8]) {
        text = String(decoding: bytes, as: UTF8.self)
    }

    func attach(to error: PolicyError) -> PolicyError {
        var error = error
        error.sourceLine = DiagnosticText.sourceLine(error.location?.line, in: text)
        return error
    }

    func attach(to diagnostics: [PolicyDiagnostic]) -> [PolicyDiagnostic] {
        diagnostics.map { diagnostic in
            var diagnostic = diagnostic
            diagnostic.sourceLine = DiagnosticText.sourceLine(diagnostic.location?.line, in: text)
            return diagnostic
        }
    }
}
