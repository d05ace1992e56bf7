import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SuggestionFormat: ExpressibleByArgument {}

struct SuggestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Suggest least-privilege NetworkPolicies from the recorded traffic, proven by replay.",
        discussion: """
            Per namespace (--namespace, default: every namespace with recorded pods): a \
            default-deny for both directions, allow-dns (egress to the DNS pods seen answering, \
            UDP and TCP 53), and per workload (pods grouped by stable labels such as app) a \
            <workload>-ingress and a <workload>-egress policy listing the peers its recorded \
            FORWARDED requests used; replies never make rules. Each rule carries its evidence \
            as a comment. Then the whole window is replayed against the suggestion (with \
            --policies in force) and the proof is printed: on standard error when the policies \
            go to standard output, else on standard output.

            Exit codes: 0 done; 3 when a recorded FORWARDED request would be denied (each is \
            listed with the reason); 65 an invalid policy file.
            """)

    @OptionGroup(title: "Database") var store: StoreOptions
    @OptionGroup(title: "Filters") var filters: FilterOptions

    @Option(name: .long, help: ArgumentHelp(
        "Policies already in force (files or directories), replayed together with the suggestion; repeat for more.",
        valueName: "path"))
    var policies: [String] = []

    @Option(name: [.customShort("o"), .long], help: "Output format: \(SuggestionFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var output: SuggestionFormat = .yaml

    @Option(help: ArgumentHelp("Write one file per namespace (NAMESPACE.yaml or .json) into this directory instead of standard output.",
                               valueName: "dir"))
    var out: String?

    @Option(name: .customLong("max-prefix"), help: ArgumentHelp(
        "The widest IPv4 prefix an ipBlock may have: 24 or /24 (0 allows 0.0.0.0/0).", valueName: "bits"),
            transform: SuggestCommand.prefixLength)
    var maxPrefix = 24

    @Option(name: .customLong("max-prefix-v6"), help: ArgumentHelp("The widest IPv6 prefix an ipBlock may have: 64 or /64.", valueName: "bits"),
            transform: SuggestCommand.prefixLength)
    var maxPrefixV6 = 64

    /// A prefix length as written alone (`24`) or as in a CIDR (`/24`).
    static func prefixLength(_ text: String) throws -> Int {
        let digits = text.hasPrefix("/") ? String(text.dropFirst()) : text
        guard let value = Int(digits), value >= 0 else {
            throw ValidationError("'\(text)' is not a prefix length (such as 24 or /24)")
        }
        return value
    }

    @Option(name: .customLong("node-cidr"), help: ArgumentHelp(
        "Node addresses: recorded traffic with other nodes becomes an ipBlock of these instead of a comment; repeat for more.",
        valueName: "cidr"))
    var nodeCIDRs: [String] = []

    @Flag(name: .customLong("ipblock-matches-pod-ips"), help: """
        Prove with the iptables reading, where ipBlock also matches pod and node addresses (needed \
        for --node-cidr rules to count). By default (Cilium's reading) ipBlock matches only \
        endpoints outside the cluster.
        """)
    var ipBlockMatchesPodIPs = false

    @Option(help: ArgumentHelp("Compare the suggestion with the policies in this directory.", valueName: "dir"))
    var diff: String?

    func validate() throws {
        guard (0...32).contains(maxPrefix) else { throw ValidationError("--max-prefix must be 0 to 32") }
        guard (0...128).contains(maxPrefixV6) else { throw ValidationError("--max-prefix-v6 must be 0 to 128") }
        for text in nodeCIDRs where CIDR(text) == nil {
            throw ValidationError("--node-cidr \(text): expected an address or address/prefix, such as 10.20.0.0/24")
        }
    }

    func run() throws {
        let breaks = try reportingErrors(verbose: store.verbose) { () throws -> Int64 in
            var evaluatorOptions = VerdictEvaluator.Options()
            evaluatorOptions.ipBlockMatchesPodIPs = ipBlockMatchesPodIPs
            let inForce = policies.isEmpty ? PolicyLoadResult() : try loadPolicies(policies)
            printPolicyDiagnostics(inForce.diagnostics, verbose: store.verbose)
            let existing = VerdictEvaluator(policies: inForce.policies, ciliumPolicies: inForce.ciliumPolicies, options: evaluatorOptions)
            let compared = try diff.map { try loadPolicies([$0]) }

            let flowStore = try store.openStore(.readOnly)
            let asked = try filters.query(now: now())
            let answer = try flowStore.connectionsAnswer(asked, withPodAddresses: ipBlockMatchesPodIPs)
            let query = try flowStore.retained(asked, answer: answer, verbose: store.verbose)
            let connections = try flowStore.connectionCounts(matching: query, withPodAddresses: ipBlockMatchesPodIPs)

            // The namespaces asked for: --namespace values, not those negated with --not.
            let options = SuggestionOptions(namespaces: asked.either.namespaces, maxPrefixV4: maxPrefix, maxPrefixV6: maxPrefixV6,
                                            nodeCIDRs: nodeCIDRs.compactMap(CIDR.init))
            let suggestion = PolicySuggester.suggest(connections, options: options)
            for namespace in suggestion.namespacesWithoutTraffic {
                printError("flowlog: namespace \(TextEscaping.terminal(namespace)): no recorded FORWARDED request in the window; nothing suggested for it")
            }
            if suggestion.namespaces.isEmpty && suggestion.namespacesWithoutTraffic.isEmpty {
                printError("flowlog: no recorded FORWARDED request between pods in the window; nothing suggested")
            }
            try write(suggestion)

            let proof = SuggestionProver.prove(suggestion, connections: connections, existing: existing)
            var report = ""
            SuggestionProofRenderer.render(proof, suggestion: suggestion, existingPolicies: existing.policyCount, to: &report)
            if let compared, let directory = diff {
                let difference = SuggestionDiff.compare(suggestion, with: compared, connections: connections, options: evaluatorOptions)
                SuggestionProofRenderer.render(difference, directory: directory, to: &report)
            }
            if out == nil {
                printError(TextEscaping.terminalLines(report.hasSuffix("\n") ? String(report.dropLast()) : report))
            } else {
                var standardOutput = StandardOutput()
                standardOutput.write(TextEscaping.terminalLines(report))
            }
            return proof.replay.total(.wouldBreak)
        }
        if breaks > 0 {
            printError("flowlog: policy suggest: \(breaks) recorded FORWARDED \(breaks == 1 ? "flow" : "flows") would be denied by the suggestion (see the proof)")
            throw ExitCode(ExitCodes.conditionHeld)
        }
    }

    /// Writes the policies to standard output, or one file per namespace under `--out`.
    private func write(_ suggestion: PolicySuggestion) throws {
        guard let out else {
            var standardOutput = StandardOutput()
            if !suggestion.namespaces.isEmpty { output.render(suggestion.namespaces, to: &standardOutput) }
            return
        }
        if mkdir(out, 0o755) != 0 && errno != EEXIST {
            throw CLIError.runtime("\(out): cannot create the directory: \(String(cString: strerror(errno)))")
        }
        for namespace in suggestion.namespaces {
            var text = ""
            output.render([namespace], to: &text)
            // Namespace names are DNS labels (checked when the workloads were read), so the
            // file name cannot leave the directory.
            let path = out + "/" + namespace.namespace + "." + output.fileExtension
            do {
                try AtomicFileWriter.write(text, to: path, mode: 0o644)
            } catch {
                throw CLIError.runtime(error.description)
            }
        }
    }
}
