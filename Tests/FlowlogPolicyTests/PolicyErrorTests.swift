import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
import FlowlogTestSupport


struct PolicyErrorTests {
    /// One file of `SampleFlows/broken-policies` and the whole message loading it must throw.
    struct BrokenFile: CustomTestStringConvertible, Sendable {
        var file: String
        var kind: PolicyError.Kind
        /// The expanded description: `file:line:column: error: path: message`, the source line, a caret.
        var rendered: String
        var testDescription: String { file }
    }

    static let brokenFiles: [BrokenFile] = [
        BrokenFile(file: "alias-bomb.yaml", kind: .limitExceeded, rendered: """
            SampleFlows/broken-policies/alias-bomb.yaml:6:36: error: the YAML expands to more than 100000 nodes (aliases count at their full size); refusing a possible alias bomb
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
                                               ^
            """),
        BrokenFile(file: "alias-undefined.yaml", kind: .syntax, rendered: """
            SampleFlows/broken-policies/alias-undefined.yaml:9:12: error: alias *rules names no anchor defined before it in this document
              ingress: *rules
                       ^
            """),
        BrokenFile(file: "api-version-wrong.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/api-version-wrong.yaml:2:13: error: apiVersion: expected networking.k8s.io/v1, found "extensions/v1beta1" (flowlog reads kind NetworkPolicy only in its GA version)
            apiVersion: extensions/v1beta1
                        ^
            """),
        BrokenFile(file: "cidr-bare-address.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/cidr-bare-address.yaml:12:19: error: spec.egress[0].to[0].ipBlock.cidr: expected a CIDR such as 10.0.0.0/16 or fd00::/64, found "203.0.113.10"
                        cidr: 203.0.113.10
                              ^
            """),
        BrokenFile(file: "cidr-invalid.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/cidr-invalid.yaml:14:19: error: spec.egress[0].to[0].ipBlock.cidr: expected a CIDR such as 10.0.0.0/16 or fd00::/64, found "203.0.113.0/33"
                        cidr: 203.0.113.0/33
                              ^
            """),
        BrokenFile(file: "duplicate-field.yaml", kind: .duplicateField, rendered: """
            SampleFlows/broken-policies/duplicate-field.yaml:12:7: error: spec.ingress[0].ports: duplicate field (first at line 10, column 7)
                  ports:
                  ^
            """),
        BrokenFile(file: "empty-peer.yaml", kind: .missingField, rendered: """
            SampleFlows/broken-policies/empty-peer.yaml:11:11: error: spec.ingress[0].from[0]: expected podSelector, namespaceSelector or ipBlock, found an empty peer (namespaceSelector is null; write namespaceSelector: {} to select everything)
                    - namespaceSelector:
                      ^
            """),
        BrokenFile(file: "endport-below-port.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/endport-below-port.yaml:13:20: error: spec.ingress[0].ports[0].endPort: expected an integer from 8080 (port) to 65535, found the integer 80
                      endPort: 80
                               ^
            """),
        BrokenFile(file: "endport-with-named-port.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/endport-with-named-port.yaml:12:20: error: spec.ingress[0].ports[0].endPort: endPort needs a numeric port to start the range, and port is the name "http"
                      endPort: 8090
                               ^
            """),
        BrokenFile(file: "endport-without-port.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/endport-without-port.yaml:12:20: error: spec.ingress[0].ports[0].endPort: endPort needs a numeric port to start the range, and port is missing
                      endPort: 8090
                               ^
            """),
        BrokenFile(file: "except-not-strict.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/except-not-strict.yaml:13:22: error: spec.egress[0].to[0].ipBlock.except[0]: expected a CIDR strictly inside 10.0.0.0/16, found "10.0.0.0/16"
                        except: [10.0.0.0/16]
                                 ^
            """),
        BrokenFile(file: "except-outside-cidr.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/except-outside-cidr.yaml:15:17: error: spec.egress[0].to[0].ipBlock.except[1]: expected a CIDR strictly inside 10.0.0.0/16, found "10.1.0.0/24"
                          - 10.1.0.0/24
                            ^
            """),
        BrokenFile(file: "exists-with-values.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/exists-with-values.yaml:16:19: error: spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: expected no values when operator is Exists, found a list of 1
                              - payments
                              ^
            """),
        BrokenFile(file: "in-without-values.yaml", kind: .missingField, rendered: """
            SampleFlows/broken-policies/in-without-values.yaml:10:9: error: spec.podSelector.matchExpressions[0].values: required field is missing (expected at least one value when operator is In)
                  - key: tier
                    ^
            """),
        BrokenFile(file: "ingress-not-a-list.yaml", kind: .wrongType, rendered: """
            SampleFlows/broken-policies/ingress-not-a-list.yaml:10:5: error: spec.ingress: expected a list of ingress rules, found a mapping
                from:
                ^
            """),
        BrokenFile(file: "ipblock-with-selector.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/ipblock-with-selector.yaml:11:11: error: spec.egress[0].to[0]: expected ipBlock alone in its peer, found it together with namespaceSelector (write them as separate peers)
                    - ipBlock:
                      ^
            """),
        BrokenFile(file: "kind-missing.yaml", kind: .missingField, rendered: """
            SampleFlows/broken-policies/kind-missing.yaml:2:1: error: kind: required field is missing (every Kubernetes object has apiVersion and kind)
            apiVersion: networking.k8s.io/v1
            ^
            """),
        BrokenFile(file: "label-key-invalid.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/label-key-invalid.yaml:10:7: error: spec.podSelector.matchLabels: expected a label key, found "example.com/-app" (the name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric)
                  example.com/-app: api
                  ^
            """),
        BrokenFile(file: "label-value-not-string.yaml", kind: .wrongType, rendered: """
            SampleFlows/broken-policies/label-value-not-string.yaml:11:16: error: spec.podSelector.matchLabels.version: expected a label value (a string), found the integer 2 (quote it to make it a string: "2")
                  version: 2
                           ^
            """),
        BrokenFile(file: "label-value-too-long.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/label-value-too-long.yaml:10:12: error: spec.podSelector.matchLabels.app: expected a label value, found "api-server-with-a-very-long-name-that-goes-past-sixty-three-…" (a label value must be no more than 63 characters)
                  app: api-server-with-a-very-long-name-that-goes-past-sixty-three-chars
                       ^
            """),
        BrokenFile(file: "missing-name.yaml", kind: .missingField, rendered: """
            SampleFlows/broken-policies/missing-name.yaml:5:3: error: metadata.name: required field is missing
              namespace: production
              ^
            """),
        BrokenFile(file: "missing-pod-selector.yaml", kind: .missingField, rendered: """
            SampleFlows/broken-policies/missing-pod-selector.yaml:8:3: error: spec.podSelector: required field is missing (use podSelector: {} to select every pod in the namespace)
              policyTypes:
              ^
            """),
        BrokenFile(file: "namespace-invalid.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/namespace-invalid.yaml:6:14: error: metadata.namespace: expected a namespace name, found "Production" (a namespace name must consist of lowercase alphanumerics or '-', and start and end with an alphanumeric)
              namespace: Production
                         ^
            """),
        BrokenFile(file: "operator-unknown.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/operator-unknown.yaml:11:19: error: spec.podSelector.matchExpressions[0].operator: expected In, NotIn, Exists or DoesNotExist, found "Equals"
                    operator: Equals
                              ^
            """),
        BrokenFile(file: "policy-type-unknown.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/policy-type-unknown.yaml:11:7: error: spec.policyTypes[1]: expected Ingress or Egress, found "egress"
                - egress
                  ^
            """),
        BrokenFile(file: "port-name-invalid.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/port-name-invalid.yaml:18:17: error: spec.ingress[0].ports[0].port: expected an integer 1-65535 or a port name, found "http_alt" (a port name may contain only lowercase letters, digits and '-')
                      port: http_alt
                            ^
            """),
        BrokenFile(file: "port-out-of-range.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/port-out-of-range.yaml:12:17: error: spec.egress[0].ports[0].port: expected an integer 1-65535 or a port name, found the integer 70000
                      port: 70000
                            ^
            """),
        BrokenFile(file: "port-quoted-number.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/port-quoted-number.yaml:13:17: error: spec.ingress[0].ports[0].port: expected an integer 1-65535 or a port name, found "3000" (a quoted number is a port name, and a port name must contain a letter; write the number without quotes)
                    - port: "3000"
                            ^
            """),
        BrokenFile(file: "protocol-lowercase.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/protocol-lowercase.yaml:11:21: error: spec.egress[0].ports[0].protocol: expected TCP, UDP or SCTP, found "udp" (protocol names are upper-case)
                    - protocol: udp
                                ^
            """),
        BrokenFile(file: "protocol-unknown.yaml", kind: .invalidValue, rendered: """
            SampleFlows/broken-policies/protocol-unknown.yaml:11:21: error: spec.egress[0].ports[0].protocol: expected TCP, UDP or SCTP, found "ICMP"
                    - protocol: ICMP
                                ^
            """),
        BrokenFile(file: "selector-not-a-mapping.yaml", kind: .wrongType, rendered: """
            SampleFlows/broken-policies/selector-not-a-mapping.yaml:8:16: error: spec.podSelector: expected a label selector (a mapping with matchLabels or matchExpressions), found "app=api"
              podSelector: app=api
                           ^
            """),
        BrokenFile(file: "syntax-error.yaml", kind: .syntax, rendered: """
            SampleFlows/broken-policies/syntax-error.yaml:11:4: error: did not find expected key (while parsing a block mapping at line 8, column 3)
               ingress: []
               ^
            """),
    ]

    /// Loads a broken file under the name `SampleFlows/broken-policies/<file>`, so messages do not
    /// depend on where the package is checked out.
    private static func loadingError(_ file: String) throws -> PolicyError? {
        let text = try String(contentsOfFile: PolicyFixtures.brokenPolicies + "/" + file, encoding: .utf8)
        do {
            _ = try PolicyLoader.load(yaml: text, file: "SampleFlows/broken-policies/" + file)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: brokenFiles)
    func brokenPolicyFailsWithItsWholeMessage(_ test: BrokenFile) throws {
        let error = try #require(try PolicyErrorTests.loadingError(test.file))
        #expect(error.expandedDescription == test.rendered)
        #expect(error.kind == test.kind)
        #expect(error.description == test.rendered.split(separator: "\n").first.map(String.init))
    }

    @Test func deeplyNestedFileFailsAtLevel101() throws {
        let text = try String(contentsOfFile: PolicyFixtures.brokenPolicies + "/deep-nesting.yaml", encoding: .utf8)
        let error = try #require(try PolicyErrorTests.loadingError("deep-nesting.yaml"))
        let line = String(text.split(separator: "\n")[1])
        #expect(error.expandedDescription == """
            SampleFlows/broken-policies/deep-nesting.yaml:2:106: error: YAML nesting is deeper than 100 levels
            \(line)
            \(String(repeating: " ", count: 105))^
            """)
        #expect(error.kind == .limitExceeded)
    }

    @Test func everyBrokenFileHasACase() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: PolicyFixtures.brokenPolicies).filter { $0.hasSuffix(".yaml") }
        let covered = PolicyErrorTests.brokenFiles.map(\.file) + ["deep-nesting.yaml"]
        #expect(Set(files) == Set(covered))
    }

    @Test func loadingByPathNamesThePathAsGiven() throws {
        let path = PolicyFixtures.brokenPolicies + "/endport-below-port.yaml"
        #expect(throws: PolicyError(kind: .invalidValue, location: Position(file: path, line: 13, column: 20),
                                    fieldPath: "spec.ingress[0].ports[0].endPort",
                                    message: "expected an integer from 8080 (port) to 65535, found the integer 80",
                                    sourceLine: "          endPort: 80")) {
            try PolicyLoader.load(paths: [path])
        }
    }

    @Test func aDirectoryOfBrokenFilesStopsAtTheFirstInPathOrder() throws {
        do {
            _ = try PolicyLoader.load(paths: [PolicyFixtures.brokenPolicies])
            Issue.record("loading the broken policies did not fail")
        } catch {
            #expect(error.location?.file == PolicyFixtures.brokenPolicies + "/alias-bomb.yaml")
        }
    }

    // MARK: - Rendering

    struct RenderingCase: CustomTestStringConvertible, Sendable {
        var name: String
        var location: Position?
        var fieldPath: String
        var expected: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        RenderingCase(name: "everything", location: Position(file: "p.yaml", line: 14, column: 11), fieldPath: "spec.ingress[0]",
                      expected: "p.yaml:14:11: error: spec.ingress[0]: bad"),
        RenderingCase(name: "no field path", location: Position(file: "p.yaml", line: 1, column: 1), fieldPath: "",
                      expected: "p.yaml:1:1: error: bad"),
        RenderingCase(name: "no location", location: nil, fieldPath: "spec", expected: "error: spec: bad"),
        RenderingCase(name: "neither", location: nil, fieldPath: "", expected: "error: bad"),
    ])
    func descriptionRendersLikeACompiler(_ test: RenderingCase) {
        let error = PolicyError(kind: .invalidValue, location: test.location, fieldPath: test.fieldPath, message: "bad")
        #expect(error.description == test.expected)
        #expect("\(error)" == test.expected)
    }

    @Test func renderedWithSourceAddsTheLineAndACaret() {
        let source = "apiVersion: v1\r\n\tkind: \"Ünïcode\" x\r\nspec: {}\n"
        let error = PolicyError(kind: .invalidValue, location: Position(file: "p.yaml", line: 2, column: 18), message: "bad")
        // The tab shows escaped (the one terminal rule), the caret counts Unicode scalars, as
        // libyaml's columns do, and is indented by the escaped width.
        #expect(error.renderedWithSource(source) == "p.yaml:2:18: error: bad\n\\u{9}kind: \"Ünïcode\" x\n                     ^")
    }

    @Test func terminalControlsInTheSourceLineAreEscapedAndTheCaretStaysAligned() {
        // An OSC title-setting sequence (ESC ] 0 ; … BEL) and a bidi override before the column.
        let line = "  port: \u{1B}]0;pwned\u{7}\u{202E}x  # bad"
        let source = "kind: NetworkPolicy\n" + line + "\n"
        let column = line.unicodeScalars.count - 7  // the "x" before "  # bad"
        let error = PolicyError(kind: .invalidValue, location: Position(file: "p.yaml", line: 2, column: column),
                                fieldPath: "spec.ports[0].port", message: "expected a port, found \"\u{1B}]0;pwned\u{7}\"")
        let rendered = error.renderedWithSource(source)
        let escapedLine = #"  port: \u{1B}]0;pwned\u{7}\u{202E}x  # bad"#
        let caretColumn = escapedLine.distance(from: escapedLine.startIndex, to: escapedLine.firstIndex(of: "x")!)
        #expect(rendered == #"p.yaml:2:\#(column): error: spec.ports[0].port: expected a port, found "\u{1B}]0;pwned\u{7}""#
            + "\n" + escapedLine + "\n" + String(repeating: " ", count: caretColumn) + "^")
        #expect(!rendered.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{7}" || $0 == "\u{202E}" })
        // The stored source line renders the same way.
        let stored = PolicyError(kind: .invalidValue, location: Position(file: "p.yaml", line: 2, column: column),
                                 fieldPath: "spec.ports[0].port", message: "m", sourceLine: line)
        #expect(stored.expandedDescription.hasSuffix("\n" + escapedLine + "\n" + String(repeating: " ", count: caretColumn) + "^"))
    }

    @Test func renderedWithSourceFallsBackToTheDescription() {
        let outside = PolicyError(kind: .syntax, location: Position(file: "p.yaml", line: 9, column: 1), message: "bad")
        #expect(outside.renderedWithSource("one line\n") == "p.yaml:9:1: error: bad")
        let nowhere = PolicyError(kind: .unreadable, location: nil, message: "cannot open")
        #expect(nowhere.renderedWithSource("text") == "error: cannot open")
        #expect(nowhere.expandedDescription == "error: cannot open")
    }

    @Test(arguments: [PolicyDiagnostic.Severity.warning, .note])
    func diagnosticsRenderWithTheirSeverity(_ severity: PolicyDiagnostic.Severity) {
        let diagnostic = PolicyDiagnostic(severity: severity, location: Position(file: "p.yaml", line: 3, column: 5),
                                          fieldPath: "spec.ingres", message: "unknown field", sourceLine: "    ingres: []")
        #expect(diagnostic.description == "p.yaml:3:5: \(severity.rawValue): spec.ingres: unknown field")
        #expect(diagnostic.expandedDescription == "p.yaml:3:5: \(severity.rawValue): spec.ingres: unknown field\n    ingres: []\n    ^")
        #expect(diagnostic.renderedWithSource("a\nb\n    ingres: []\n") == diagnostic.expandedDescription)
    }
}
