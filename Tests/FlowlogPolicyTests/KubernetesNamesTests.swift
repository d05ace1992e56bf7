import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
import FlowlogTestSupport

/// The name rules of `k8s.io/apimachinery/pkg/util/validation`, one table per rule.
struct KubernetesNamesTests {
    struct NameCase: CustomTestStringConvertible, Sendable {
        var text: String
        /// nil when the text is valid.
        var problem: String?
        var testDescription: String { "\"\(text)\"" }
    }

    @Test(arguments: [
        NameCase(text: "app", problem: nil),
        NameCase(text: "app.kubernetes.io/name", problem: nil),
        NameCase(text: "k8s-app", problem: nil),
        NameCase(text: "Team_Name.v2", problem: nil),
        NameCase(text: String(repeating: "a", count: 63), problem: nil),
        NameCase(text: String(repeating: "a", count: 64), problem: "the name part must be no more than 63 characters"),
        NameCase(text: "", problem: "the name part must not be empty"),
        NameCase(text: "example.com/", problem: "the name part must not be empty"),
        NameCase(text: "/app", problem: "the prefix before '/' must not be empty"),
        NameCase(text: "a/b/c", problem: "a label key has at most one '/', between a DNS prefix and the name"),
        NameCase(text: "Example.com/app",
                 problem: "the prefix before '/' must consist of lowercase alphanumerics, '-' or '.', and each part between dots must start and end with an alphanumeric"),
        NameCase(text: "-app", problem: "the name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric"),
        NameCase(text: "app name", problem: "the name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric"),
    ])
    func labelKeys(_ test: NameCase) {
        #expect(KubernetesNames.labelKeyProblem(test.text) == test.problem)
    }

    @Test(arguments: [
        NameCase(text: "", problem: nil),
        NameCase(text: "api", problem: nil),
        NameCase(text: "v1.2_rc-3", problem: nil),
        NameCase(text: String(repeating: "x", count: 64), problem: "a label value must be no more than 63 characters"),
        NameCase(text: "api-", problem: "a label value must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric"),
        NameCase(text: "a/b", problem: "a label value must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric"),
    ])
    func labelValues(_ test: NameCase) {
        #expect(KubernetesNames.labelValueProblem(test.text) == test.problem)
    }

    @Test(arguments: [
        NameCase(text: "http", problem: nil),
        NameCase(text: "http-alt", problem: nil),
        NameCase(text: "h2c", problem: nil),
        NameCase(text: "a23456789012345", problem: nil),
        NameCase(text: "a234567890123456", problem: "a port name must be no more than 15 characters"),
        NameCase(text: "", problem: "a port name must not be empty"),
        NameCase(text: "HTTP", problem: "a port name may contain only lowercase letters, digits and '-'"),
        NameCase(text: "http_alt", problem: "a port name may contain only lowercase letters, digits and '-'"),
        NameCase(text: "http--alt", problem: "a port name must not contain consecutive hyphens"),
        NameCase(text: "8080", problem: "a port name must contain at least one letter"),
        NameCase(text: "-http", problem: "a port name must not begin or end with a hyphen"),
        NameCase(text: "http-", problem: "a port name must not begin or end with a hyphen"),
    ])
    func portNames(_ test: NameCase) {
        #expect(KubernetesNames.portNameProblem(test.text) == test.problem)
    }

    @Test(arguments: [
        NameCase(text: "api-policy", problem: nil),
        NameCase(text: "allow.dns", problem: nil),
        NameCase(text: "a..b", problem: "must consist of lowercase alphanumerics, '-' or '.', and each part between dots must start and end with an alphanumeric"),
        NameCase(text: "Api", problem: "must consist of lowercase alphanumerics, '-' or '.', and each part between dots must start and end with an alphanumeric"),
        NameCase(text: String(repeating: "a", count: 254), problem: "must be no more than 253 characters"),
    ])
    func dnsSubdomains(_ test: NameCase) {
        #expect(KubernetesNames.dnsSubdomainProblem(test.text) == test.problem)
    }

    @Test(arguments: [
        NameCase(text: "production", problem: nil),
        NameCase(text: "kube-system", problem: nil),
        NameCase(text: "team.payments", problem: "must consist of lowercase alphanumerics or '-', and start and end with an alphanumeric"),
        NameCase(text: String(repeating: "a", count: 64), problem: "must be no more than 63 characters"),
    ])
    func dnsLabels(_ test: NameCase) {
        #expect(KubernetesNames.dnsLabelProblem(test.text) == test.problem)
    }
}
