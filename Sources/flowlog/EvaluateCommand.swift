import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

extension EvaluationFormat: ExpressibleByArgument {}

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Say for each Hubble flow line whether the given NetworkPolicies and Cilium policies allow it, and why.",
        discussion: """
            Reads flow lines (as ingest does) and prints one result per flow, in input order. An \
            empty policy set allows everything. Or check one flow without a cluster:

              flowlog evaluate --policies SampleFlows/policies \\
                  --from production/app=frontend --to production/app=database --port 5432/TCP

            An endpoint is namespace/label=value[,label=value…] (a pod; add @IP to give its \
            address) or an IP address outside the cluster.
            """)

    @OptionGroup(title: "Policies") var policyOptions: PolicyOptions

    @Argument(help: ArgumentHelp("A file of Hubble JSON lines, or - for standard input (the default).", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("Single-flow form: the source endpoint.", valueName: "endpoint"))
    var from: String?
    @Option(help: ArgumentHelp("Single-flow form: the destination endpoint.", valueName: "endpoint"))
    var to: String?
    @Option(help: ArgumentHelp("Single-flow form: the destination port, e.g. 5432/TCP, 53/UDP, icmp.", valueName: "port"))
    var port: String?

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp(
        "Output format: \(EvaluationFormat.allCases.map(\.rawValue).joined(separator: ", ")).",
        discussion: "Default: jsonl for flow lines; for the single-flow form, the verdict and its explanation as text."))
    var output: EvaluationFormat?

    func validate() throws {
        let single = [from, to, port].compactMap { $0 }
        if !single.isEmpty && single.count != 3 { throw ValidationError("the single-flow form needs --from, --to and --port") }
        if !single.isEmpty && file != nil { throw ValidationError("give either a FILE or --from/--to/--port, not both") }
        // Checked here, not in run(), so the error names the flag and shows this command's usage.
        if let from, let to, let port { _ = try singleFlow(from: from, to: to, port: port) }
    }

    /// The single-flow form's endpoints and port.
    /// - Throws: `ValidationError` (exit 64) naming the flag whose value is unreadable.
    private func singleFlow(from: String, to: String, port: String) throws
        -> (source: (Endpoint, IPAddress?), destination: (Endpoint, IPAddress?), port: (L4Protocol, UInt16)) {
        let source: (Endpoint, IPAddress?)
        let destination: (Endpoint, IPAddress?)
        do { source = try FlowSpecification.endpoint(from) } catch { throw ValidationError("--from: \(error)") }
        do { destination = try FlowSpecification.endpoint(to) } catch { throw ValidationError("--to: \(error)") }
        do {
            return (source, destination, try FlowSpecification.port(port))
        } catch {
            throw ValidationError("--port: \(error)")
        }
    }

    func run() throws {
        try reportingErrors {
            let evaluator = try policyOptions.evaluator()
            var out = StandardOutput()
            if let from, let to, let port {
                let (source, destination, proto) = try singleFlow(from: from, to: to, port: port)
                let evaluation = evaluator.evaluate(
                    source: evaluator.subject(source.0, address: source.1),
                    destination: evaluator.subject(destination.0, address: destination.1),
                    proto: proto.0, port: proto.1)
                guard let output else {
                    out.write(EvaluationText.single(evaluation, from: from, to: to, proto: proto.0, port: proto.1))
                    return
                }
                EvaluationText.single(evaluation, from: from, to: to, proto: proto.0, port: proto.1, format: output, to: &out)
                return
            }
            try evaluateLines(evaluator, to: &out)
        }
    }

    private func evaluateLines(_ evaluator: VerdictEvaluator, to out: inout StandardOutput) throws {
        let input: IngestInput = (file == nil || file == "-") ? .standardInput : .file(file!)
        let reader = try HubbleLineReader(input)
        let cache = EvaluationCache(evaluator: evaluator)
        var batch: [EvaluatedFlow] = []
        var skipped = 0
        while let line = try reader.next() {
            switch line.record {
            case .success(.flow(let flow)):
                batch.append(EvaluatedFlow(line: line.number, flow: flow, evaluation: cache.evaluate(flow)))
            case .success:
                continue
            case .failure(let problem):
                skipped += 1
                let column = problem.column > 0 ? ":\(problem.column)" : ""
                printError(TextEscaping.terminal("\(reader.name):\(line.number)\(column): warning: \(problem); skipped"))
            }
            // Streamed in chunks so memory stays flat; the table format aligns per chunk.
            if batch.count >= 4096 {
                EvaluationText.render(batch, format: output ?? .jsonl, to: &out)
                batch.removeAll(keepingCapacity: true)
            }
        }
        EvaluationText.render(batch, format: output ?? .jsonl, to: &out)
        if skipped > 0 { printError("flowlog: \(skipped) malformed \(skipped == 1 ? "line" : "lines") skipped") }
        // As for ingest: an input with lines but no Hubble record is invalid data, said with what it looks like.
        if let hint = reader.hint {
            throw CLIError.data("\(reader.name): error: no line is a Hubble record: \(hint)")
        }
    }
}
