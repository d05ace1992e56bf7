import Testing
@testable import FlowlogModel
import FlowlogTestSupport

private typealias Requirement = LabelSelector.Requirement

@Suite struct LabelSelectorTests {
    // MARK: - Text form

    struct ParseCase: Sendable, CustomTestStringConvertible {
        var text: String
        var requirements: [LabelSelector.Requirement]
        /// The selector's description, when it differs from `text`.
        var description: String?
        var testDescription: String { text.debugDescription }
    }

    static let parseCases: [ParseCase] = [
        ParseCase(text: "app=frontend", requirements: [Requirement(key: "app", op: .in, values: ["frontend"])]),
        ParseCase(text: "app==frontend", requirements: [Requirement(key: "app", op: .in, values: ["frontend"])],
                  description: "app=frontend"),
        ParseCase(text: "app!=frontend", requirements: [Requirement(key: "app", op: .notIn, values: ["frontend"])]),
        ParseCase(text: "tier in (web,api)", requirements: [Requirement(key: "tier", op: .in, values: ["web", "api"])]),
        ParseCase(text: "tier in ( web , api )", requirements: [Requirement(key: "tier", op: .in, values: ["web", "api"])],
                  description: "tier in (web,api)"),
        ParseCase(text: "tier notin (cache)", requirements: [Requirement(key: "tier", op: .notIn, values: ["cache"])],
                  description: "tier!=cache"),
        ParseCase(text: "tier notin (cache,db)", requirements: [Requirement(key: "tier", op: .notIn, values: ["cache", "db"])]),
        ParseCase(text: "canary", requirements: [Requirement(key: "canary", op: .exists)]),
        ParseCase(text: "!canary", requirements: [Requirement(key: "canary", op: .doesNotExist)]),
        ParseCase(text: "k8s:app=x", requirements: [Requirement(key: "k8s:app", op: .in, values: ["x"])]),
        ParseCase(text: "reserved:world", requirements: [Requirement(key: "reserved:world", op: .exists)]),
        ParseCase(text: "k8s:io.kubernetes.pod.namespace=production",
                  requirements: [Requirement(key: "k8s:io.kubernetes.pod.namespace", op: .in, values: ["production"])]),
        ParseCase(text: " app = frontend ", requirements: [Requirement(key: "app", op: .in, values: ["frontend"])],
                  description: "app=frontend"),
        ParseCase(text: "app=", requirements: [Requirement(key: "app", op: .in, values: [""])]),
        ParseCase(text: "app=frontend,tier in (web,api),!canary",
                  requirements: [Requirement(key: "app", op: .in, values: ["frontend"]),
                                 Requirement(key: "tier", op: .in, values: ["web", "api"]),
                                 Requirement(key: "canary", op: .doesNotExist)]),
    ]

    @Test(arguments: parseCases)
    func parsesText(_ testCase: ParseCase) throws {
        let selector = try LabelSelector(parsing: testCase.text)
        #expect(selector.requirements == testCase.requirements)
        #expect(selector.description == (testCase.description ?? testCase.text))
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var text: String
        var message: String
        var testDescription: String { text.debugDescription }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(text: "", message: "empty requirement"),
        ErrorCase(text: "app=x,", message: "empty requirement"),
        ErrorCase(text: "app=x,,tier=web", message: "empty requirement"),
        ErrorCase(text: "=x", message: #"invalid key """#),
        ErrorCase(text: "!", message: #"invalid key """#),
        ErrorCase(text: "!app=x", message: #"invalid key "app=x""#),
        ErrorCase(text: "my app", message: #"invalid key "my app""#),
        ErrorCase(text: "tier in web", message: "expected a parenthesised value list after in"),
        ErrorCase(text: "tier notin web", message: "expected a parenthesised value list after notin"),
        ErrorCase(text: "tier in (web,api", message: "expected a parenthesised value list after in"),
        ErrorCase(text: "tier in (web,)", message: "empty value in list"),
        ErrorCase(text: "tier in ()", message: "empty value in list"),
        ErrorCase(text: "a=b=c", message: #"invalid value "b=c" (a value cannot contain =, !, parentheses or spaces)"#),
        ErrorCase(text: "a==b=c", message: #"invalid value "b=c" (a value cannot contain =, !, parentheses or spaces)"#),
        ErrorCase(text: "a!=b!c", message: #"invalid value "b!c" (a value cannot contain =, !, parentheses or spaces)"#),
        ErrorCase(text: "a=b c", message: #"invalid value "b c" (a value cannot contain =, !, parentheses or spaces)"#),
        ErrorCase(text: "tier in (a=b)", message: #"invalid value "a=b" (a value cannot contain =, !, parentheses or spaces)"#),
        ErrorCase(text: "k8s:", message: #"empty key after the source prefix "k8s:""#),
        ErrorCase(text: "k8s:=x", message: #"empty key after the source prefix "k8s:""#),
        ErrorCase(text: "!k8s:", message: #"empty key after the source prefix "k8s:""#),
        ErrorCase(text: ":app=x", message: #"empty label source before ":" in ":app""#),
    ]

    @Test func errorDescriptionEscapesControlCharacters() {
        let error = LabelSelectorSyntaxError(text: "a\u{1B}]0;x\u{07}=b=c", message: "m")
        #expect(error.description == #"invalid label selector "a\u{1B}]0;x\u{7}=b=c": m"#)
    }

    @Test(arguments: errorCases)
    func rejectsBadText(_ testCase: ErrorCase) {
        #expect(throws: LabelSelectorSyntaxError(text: testCase.text, message: testCase.message)) {
            try LabelSelector(parsing: testCase.text)
        }
    }

    @Test func errorDescriptionQuotesTheWholeSelector() {
        let error = LabelSelectorSyntaxError(text: "app=x,tier in web", message: "expected a parenthesised value list after in")
        #expect(error.description == #"invalid label selector "app=x,tier in web": expected a parenthesised value list after in"#)
    }

    // MARK: - Kubernetes semantics

    struct MatchCase: Sendable, CustomTestStringConvertible {
        var selector: String
        var labels: [String: String]
        var matches: Bool
        var testDescription: String { "\(selector) on \(labels.sorted { $0.key < $1.key })" }
    }

    static let matchCases: [MatchCase] = [
        MatchCase(selector: "app=x", labels: ["app": "x"], matches: true),
        MatchCase(selector: "app=x", labels: ["app": "y"], matches: false),
        MatchCase(selector: "app=x", labels: [:], matches: false),
        MatchCase(selector: "app!=x", labels: ["app": "y"], matches: true),
        MatchCase(selector: "app!=x", labels: ["app": "x"], matches: false),
        MatchCase(selector: "app!=x", labels: [:], matches: true),
        MatchCase(selector: "app in (x,y)", labels: ["app": "y"], matches: true),
        MatchCase(selector: "app in (x,y)", labels: ["app": "z"], matches: false),
        MatchCase(selector: "app in (x,y)", labels: [:], matches: false),
        MatchCase(selector: "app notin (x,y)", labels: ["app": "z"], matches: true),
        MatchCase(selector: "app notin (x,y)", labels: ["app": "y"], matches: false),
        MatchCase(selector: "app notin (x,y)", labels: ["tier": "web"], matches: true),
        MatchCase(selector: "app", labels: ["app": ""], matches: true),
        MatchCase(selector: "app", labels: ["tier": "web"], matches: false),
        MatchCase(selector: "!app", labels: [:], matches: true),
        MatchCase(selector: "!app", labels: ["app": ""], matches: false),
        MatchCase(selector: "app=x,tier=web", labels: ["app": "x"], matches: false),
        MatchCase(selector: "app=x,tier=web", labels: ["app": "x", "tier": "web"], matches: true),
        MatchCase(selector: "app=x,!canary", labels: ["app": "x", "canary": "true"], matches: false),
    ]

    @Test(arguments: matchCases)
    func matchesPlainLabels(_ testCase: MatchCase) throws {
        let selector = try LabelSelector(parsing: testCase.selector)
        #expect(selector.matches(testCase.labels) == testCase.matches)
    }

    @Test func emptySelectorMatchesEverything() {
        let selector = LabelSelector()
        #expect(selector.isEmpty)
        #expect(selector.matches([:]))
        #expect(selector.matches(["app": "x"]))
        #expect(selector.matches(endpointLabels: []))
        #expect(selector.matches(endpointLabels: [Label(parsing: "reserved:world")]))
    }

    // MARK: - Cilium endpoint labels

    struct EndpointCase: Sendable, CustomTestStringConvertible {
        var selector: String
        var labels: [String]
        var matches: Bool
        var testDescription: String { "\(selector) on \(labels)" }
    }

    static let podLabels = [
        "k8s:app=frontend", "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=production",
        "k8s:io.cilium.k8s.policy.serviceaccount=frontend", "k8s:io.kubernetes.pod.namespace=production",
    ]

    static let endpointCases: [EndpointCase] = [
        EndpointCase(selector: "app=x", labels: ["k8s:app=x"], matches: true),
        EndpointCase(selector: "app=x", labels: ["container:app=x"], matches: true),
        EndpointCase(selector: "k8s:app=x", labels: ["k8s:app=x"], matches: true),
        EndpointCase(selector: "k8s:app=x", labels: ["container:app=x"], matches: false),
        EndpointCase(selector: "k8s:app!=x", labels: ["container:app=x"], matches: true),
        EndpointCase(selector: "k8s:app", labels: ["container:app=x"], matches: false),
        EndpointCase(selector: "reserved:world", labels: ["reserved:world"], matches: true),
        EndpointCase(selector: "reserved:world", labels: ["reserved:host"], matches: false),
        EndpointCase(selector: "reserved:world", labels: ["cidr:1.1.1.1/32", "reserved:world-ipv4"], matches: false),
        EndpointCase(selector: "world", labels: ["reserved:world"], matches: true),
        EndpointCase(selector: "!reserved:world", labels: podLabels, matches: true),
        EndpointCase(selector: "!reserved:world", labels: ["reserved:world"], matches: false),
        EndpointCase(selector: "k8s:io.kubernetes.pod.namespace=production", labels: podLabels, matches: true),
        EndpointCase(selector: "k8s:io.kubernetes.pod.namespace in (staging,production),app=frontend", labels: podLabels,
                     matches: true),
        EndpointCase(selector: "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=kube-system",
                     labels: podLabels, matches: false),
        EndpointCase(selector: "io.cilium.k8s.policy.serviceaccount=frontend", labels: podLabels, matches: true),
        EndpointCase(selector: "app notin (frontend)", labels: podLabels, matches: false),
        EndpointCase(selector: "app notin (frontend)", labels: ["reserved:world"], matches: true),
    ]

    @Test(arguments: endpointCases)
    func matchesEndpointLabels(_ testCase: EndpointCase) throws {
        let selector = try LabelSelector(parsing: testCase.selector)
        #expect(selector.matches(endpointLabels: testCase.labels.map(Label.init(parsing:))) == testCase.matches)
    }

    @Test func selectorsBuiltInCodeMatchLikeParsedOnes() throws {
        let built = LabelSelector(requirements: [Requirement(key: "app", op: .in, values: ["frontend"]),
                                                 Requirement(key: "canary", op: .doesNotExist)])
        #expect(built == (try LabelSelector(parsing: "app=frontend,!canary")))
        #expect(built.matches(endpointLabels: Self.podLabels.map(Label.init(parsing:))))
    }
}
