import Testing

/// Unknown options on the commands that take filters: a mistyped filter is answered with a
/// filter flag, a `hubble observe` flag flowlog lacks is named as such, and a one-letter slip of
/// another option keeps the parser's suggestion.
@Suite struct UnknownOptionAdviceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var says: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(arguments: ["drops", "--verdcit", "DROPPED"], says: "Unknown option '--verdcit'. Did you mean '--verdict'?"),
        Case(arguments: ["observe", "--form-pod", "x"], says: "Unknown option '--form-pod'. Did you mean '--from-pod'?"),
        Case(arguments: ["drops", "--ipp", "10.0.0.1"], says: "Unknown option '--ipp'. Did you mean '--ip'?"),
        Case(arguments: ["drops", "--dbb", "x"], says: "Unknown option '--dbb'. Did you mean '--db'?"),
        Case(arguments: ["replay", "--policies", "SampleFlows/policies", "--to-servce", "x"], says: "Unknown option '--to-servce'."),
        Case(arguments: ["observe", "--http-status", "500"],
             says: "Unknown option '--http-status': hubble observe's --http-status has no flowlog counterpart"),
        Case(arguments: ["drops", "--to-service=kube-system/kube-dns"],
             says: "Unknown option '--to-service': hubble observe's --to-service has no flowlog counterpart"),
    ]

    @Test(arguments: cases) func unknownOptionsGetAdviceAmongFilters(_ test: Case) throws {
        let result = try Flowlog.run(test.arguments)
        #expect(result.status == 64)
        let first = result.standardError.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("flowlog: error: " + test.says), "\(result.standardError)")
        if test.says.hasSuffix("'.") { #expect(!first.contains("Did you mean")) }
        #expect(result.standardError.contains("Usage: flowlog \(test.arguments[0])"))
    }

    @Test func otherCommandsKeepTheParsersMessage() throws {
        let result = try Flowlog.run(["stats", "--http-status", "500"])
        #expect(result.status == 64)
        #expect(!result.standardError.contains("no flowlog counterpart"))
    }
}
