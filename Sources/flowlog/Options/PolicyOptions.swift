import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

/// The policy set and what completes the picture of the cluster (`evaluate`, `replay`).
struct PolicyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "NetworkPolicy, CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy YAML: a file, a directory (searched for *.yaml / *.yml) or - for standard input; repeat for more.",
        valueName: "path"))
    var policies: [String] = []

    @Option(help: ArgumentHelp("Namespace objects (kubectl get ns -o yaml), for namespace labels the flows lack.",
                               valueName: "file"))
    var namespaces: String?

    @Option(help: ArgumentHelp("Pod objects (kubectl get pods -A -o yaml), to resolve named ports.", valueName: "file"))
    var pods: String?

    @Flag(name: .customLong("ipblock-matches-pod-ips"), help: """
        Let ipBlock rules match pod and node addresses, as iptables-based CNIs do. By default \
        (Cilium's reading) ipBlock matches only endpoints outside the cluster.
        """)
    var ipBlockMatchesPodIPs = false

    func validate() throws {
        if policies.isEmpty { throw ValidationError("--policies is required: give policy files or directories") }
    }

    /// Loads the policies and cluster objects; warnings go to stderr, and notes (a skipped
    /// kind) too when stderr is a terminal or `verbose` is set.
    /// - Throws: `CLIError.data` with the rendered loader error (exit 65).
    func evaluator(verbose: Bool = false) throws -> VerdictEvaluator {
        do {
            let loaded = try loadPolicies(policies)
            let namespaceObjects = try namespaces.map { try ClusterObjects.loadNamespaces(path: $0) }
            let podObjects = try pods.map { try ClusterObjects.loadPods(path: $0) }
            let diagnostics = loaded.diagnostics + (namespaceObjects?.diagnostics ?? []) + (podObjects?.diagnostics ?? [])
            printPolicyDiagnostics(diagnostics, verbose: verbose)
            let options = VerdictEvaluator.Options(namespaces: namespaceObjects?.objects ?? [], pods: podObjects?.objects ?? [],
                                                   ipBlockMatchesPodIPs: ipBlockMatchesPodIPs)
            return VerdictEvaluator(policies: loaded.policies, ciliumPolicies: loaded.ciliumPolicies, options: options)
        } catch let error as PolicyError {
            throw CLIError.data(error.expandedDescription)
        }
    }
}

/// Loads policy files, turning a loader error into an invalid-data failure (exit 65) that prints
/// the compiler-style diagnostic with its source line.
func loadPolicies(_ paths: [String]) throws -> PolicyLoadResult {
    do {
        return try PolicyLoader.load(paths: paths)
    } catch {
        throw CLIError.data(error.expandedDescription)
    }
}

/// Prints policy loader diagnostics on stderr: warnings always, notes as ``printNote(_:verbose:)``.
func printPolicyDiagnostics(_ diagnostics: [PolicyDiagnostic], verbose: Bool) {
    for diagnostic in diagnostics {
        let text = TextEscaping.terminal(diagnostic.description)
        if diagnostic.severity == .note { printNote(text, verbose: verbose) } else { printError(text) }
    }
}
