import Foundation
import Testing

/// One error style everywhere, usage errors that name the flag and show the right usage, and
/// the single-flow form of evaluate honouring -o.
@Suite struct CommandLineErrorTests {
    static let policies = Flowlog.packageRoot.appendingPathComponent("SampleFlows/policies").path

    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var status: Int32
        /// The first line of standard error.
        var firstLine: String
        /// The usage line shown, when one is.
        var usage: String?
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(arguments: ["help", "nope"], status: 64,
             firstLine: "flowlog: error: no command 'nope'; see 'flowlog --help' for the commands"),
        Case(arguments: ["help", "policy", "nope"], status: 64,
             firstLine: "flowlog: error: no command 'nope'; see 'flowlog --help' for the commands"),
        Case(arguments: ["nope"], status: 64, firstLine: "flowlog: error: Unexpected argument 'nope'",
             usage: "Usage: flowlog [--db <path>] [--verbose] <subcommand>"),
        Case(arguments: ["drops", "--top", "-1"], status: 64,
             firstLine: "flowlog: error: The value '-1' is invalid for '--top <top>': must be 0 or more",
             usage: "Usage: flowlog drops <options>"),
        Case(arguments: ["observe", "--last", "-5"], status: 64,
             firstLine: "flowlog: error: The value '-5' is invalid for '--last <last>': must be 0 or more",
             usage: "Usage: flowlog observe <options>"),
        Case(arguments: ["ingest", "--max-warnings", "-1", "-"], status: 64,
             firstLine: "flowlog: error: The value '-1' is invalid for '--max-warnings <max-warnings>': must be 0 or more",
             usage: "Usage: flowlog ingest [--db <path>] [--verbose] [<file> ...] [--follow] [--max-warnings <max-warnings>]"),
        Case(arguments: ["evaluate", "--policies", policies, "--from", "prod", "--to", "production/app=db", "--port", "5432"],
             status: 64,
             firstLine: "flowlog: error: --from: \"prod\": expected namespace/label=value[,label=value…] or an IP address",
             usage: "Usage: flowlog evaluate [--policies <path> ...]"),
        Case(arguments: ["evaluate", "--policies", policies, "--from", "production/app=web", "--to", "production/=db", "--port", "5432"],
             status: 64,
             firstLine: "flowlog: error: --to: \"production/=db\": expected label=value, found \"=db\"",
             usage: "Usage: flowlog evaluate [--policies <path> ...]"),
        Case(arguments: ["evaluate", "--policies", policies, "--from", "production/app=web", "--to", "10.0.0.1", "--port", "99999"],
             status: 64,
             firstLine: "flowlog: error: --port: \"99999\": expected a port 1-65535, optionally with /TCP, /UDP or /SCTP",
             usage: "Usage: flowlog evaluate [--policies <path> ...]"),
        Case(arguments: ["stats", "--db", "/nonexistent/flows.db"], status: 1,
             firstLine: "flowlog: error: no flow database at /nonexistent/flows.db (run `flowlog ingest` first, or pass --db)"),
    ]

    @Test(arguments: cases)
    func errorsHaveOneStyleAndTheRightUsage(_ test: Case) throws {
        let result = try Flowlog.run(test.arguments, input: Data())
        #expect(result.status == test.status)
        #expect(result.standardOutput.isEmpty)
        let lines = result.standardError.split(separator: "\n").map(String.init)
        #expect(lines.first == test.firstLine)
        #expect(!result.standardError.contains("Error:"))
        if let usage = test.usage {
            #expect(lines.contains { $0.hasPrefix(usage) }, "\(lines)")
        } else {
            #expect(!result.standardError.contains("Usage:"))
        }
    }

    @Test func helpForACommandStillWorks() throws {
        for arguments in [["help"], ["help", "drops"], ["help", "policy", "lint"], ["drops", "--help"]] {
            let result = try Flowlog.run(arguments)
            #expect(result.status == 0, "\(arguments)")
            #expect(result.standardOutput.hasPrefix("OVERVIEW: "), "\(arguments)")
        }
    }

    @Test func theSingleFlowFormHonoursTheOutputFormat() throws {
        let flow = ["evaluate", "--policies", Self.policies, "--from", "production/app=frontend",
                    "--to", "production/app=database", "--port", "5432/TCP"]
        let text = try Flowlog.run(flow)
        #expect(text.status == 0)
        #expect(text.standardOutput.hasPrefix("DENIED  production/app=frontend -> production/app=database TCP/5432\n"))
        let json = try Flowlog.run(flow + ["-o", "jsonl"])
        #expect(json.status == 0)
        let lines = json.standardOutput.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(object["source"] as? String == "production/app=frontend")
        #expect(object["destination"] as? String == "production/app=database")
        #expect(object["protocol"] as? String == "TCP")
        #expect(object["port"] as? Int == 5432)
        #expect(object["verdict"] as? String == "DENIED")
        #expect((object["egress"] as? [String: Any])?["decision"] as? String == "DENIED")
        let table = try Flowlog.run(flow + ["-o", "table"])
        #expect(table.standardOutput.hasPrefix("SOURCE                   DESTINATION              PORT      VERDICT  WHY\n"))
    }

    @Test func lintReportsEveryBadFileOfADirectory() throws {
        let scratch = try Scratch()
        let directory = scratch.path("policies")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let good = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: ok, namespace: production}
            spec: {podSelector: {}}
            """
        try Data(good.utf8).write(to: URL(fileURLWithPath: directory + "/b-good.yaml"))
        try Data((good + "\n  policyTypes: [egress]\n").replacingOccurrences(of: "name: ok", with: "name: bad").utf8)
            .write(to: URL(fileURLWithPath: directory + "/a-bad.yaml"))
        try Data("kind: [\n".utf8).write(to: URL(fileURLWithPath: directory + "/c-broken.yaml"))
        let result = try Flowlog.run(["policy", "lint", directory], environment: ["XDG_DATA_HOME": scratch.path("data")])
        #expect(result.status == 65)
        #expect(result.standardError.contains("\(directory)/a-bad.yaml:"))
        #expect(result.standardError.contains("\(directory)/c-broken.yaml:"))
        #expect(result.standardError.hasSuffix("flowlog: error: 2 files are not valid (see above)\n"))
        #expect(result.standardOutput.hasPrefix("1 policy valid;"), "the good file is still linted: \(result.standardOutput)")
    }
}
