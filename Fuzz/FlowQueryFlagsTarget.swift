// libFuzzer entry point for the flag-to-query path: the filter flags' text (times, durations,
// selectors, CIDRs, names) read into a FlowQuery, and the time-window arithmetic done on it.
// Compiled into one binary with the library sources by Fuzz/run.sh.
//
// Input: the first byte picks "now" (real, epoch, the earliest or latest time, or eight bytes
// taken from the input); the rest is lines, each a flag (its first byte, modulo the flag count)
// and that flag's value (the rest of the line).

private let keyPaths: [WritableKeyPath<FlowQueryFlags, [String]>] = [
    \.namespace, \.fromNamespace, \.toNamespace, \.pod, \.fromPod, \.toPod, \.label, \.fromLabel, \.toLabel,
    \.verdict, \.dropReason, \.protocolName, \.port, \.fromIP, \.toIP, \.node, \.trafficDirection,
    \.fromPort, \.toPort, \.ip, \.type, \.identity, \.fromIdentity, \.toIdentity, \.fqdn, \.fromFQDN, \.toFQDN,
    \.workload, \.fromWorkload, \.toWorkload, \.uuid, \.tcpFlags,
]

/// Spellings for the `--not` scan: a few filter flags, so that words the input makes hit them.
private let negationSpellings = ["--namespace": "--namespace", "-n": "--namespace", "--ip": "--ip", "-t": "--type",
                                 "--type": "--type", "--fqdn": "--fqdn"]

private let hourNanos: Int64 = 3_600_000_000_000

/// Flows at the ends of the range and in between, for `matches`.
private let probes: [Flow] = [Int64.min + 1, -1, 0, 1_795_168_800_000_000_000, Int64.max].map { raw in
    var flow = Flow()
    flow.time = Timestamp(rawValue: raw)
    flow.source = Endpoint(namespace: "default", labels: ["k8s:app=a", "k8s:io.kubernetes.pod.namespace=default"])
    flow.destination = Endpoint(namespace: "prod", labels: ["k8s:app=b", "k8s:io.kubernetes.pod.namespace=prod"])
    flow.l4 = Layer4(proto: .tcp, sourcePort: 40000, destinationPort: 80, tcpFlags: [.syn, .ack])
    flow.eventType = 4
    flow.source.workloads = [Workload(kind: "Deployment", name: "a")]
    flow.destinationNames = ["api.example.com", "A_B.example.", ""]
    flow.uuid = FlowUUID(bytes: Array(repeating: 7, count: 16))
    return flow
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFlowQueryFlags(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let selector = bytes.first else { return 0 }
    var rest = bytes.dropFirst()
    let now: Timestamp
    switch selector % 5 {
    case 0: now = Timestamp(rawValue: 1_795_168_800_000_000_000)
    case 1: now = Timestamp(rawValue: 0)
    case 2: now = .earliest
    case 3: now = .latest
    default:
        var raw: Int64 = 0
        for byte in rest.prefix(8) { raw = raw << 8 | Int64(byte) }
        rest = rest.dropFirst(8)
        // A real clock is in range; Int64.min is the one value no Timestamp reader produces.
        now = Timestamp(rawValue: raw == Int64.min ? raw + 1 : raw)
    }

    var flags = FlowQueryFlags()
    var negated = FlowQueryFlags()
    var words: [String] = []
    for line in rest.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        guard let flag = line.first else { continue }
        let value = String(decoding: line.dropFirst(), as: UTF8.self)
        words.append(value)
        let index = Int(flag & 0x7F) % (keyPaths.count + 2)
        if index == keyPaths.count {
            flags.since = value
        } else if index == keyPaths.count + 1 {
            flags.until = value
        } else if flag & 0x80 != 0 {
            // The high bit: the value followed --not.
            negated[keyPath: keyPaths[index]].append(value)
            flags.negated = [negated]
        } else {
            flags[keyPath: keyPaths[index]].append(value)
        }
        // Each value alone, as --older-than reads it.
        if let time = try? TimeBound.resolve(value, now: now) {
            // What a reader accepts renders and reads back as itself.
            if Timestamp(rfc3339: time.description) != time { fatalError("\(time.rawValue) does not round-trip") }
            _ = time.stampMilli
            _ = time.subtracting(nanoseconds: 86_400_000_000_000)
        }
    }

    // The --not scan over the values as command-line words.
    _ = try? NegatedFlagScan.negatedOccurrences(in: words, spellings: negationSpellings)

    let query: FlowQuery
    do {
        query = try flags.query(now: now)
    } catch {
        _ = error.description
        return 0
    }
    for flow in probes { _ = query.matches(flow) }
    // The windows the stores and the report cut from the query.
    for bucket in [60_000_000_000, hourNanos] {
        let window = BucketedWindow(since: query.since, until: query.until, bucketNanos: bucket)
        if !window.hasWholeBuckets && window.edges.count != 1 { fatalError("a window without buckets has one edge") }
    }
    let since = query.since ?? now.subtracting(nanoseconds: 86_400_000_000_000) ?? .earliest
    let until = query.until ?? now
    let hours = ReportBuilder.hourStarts(in: ReportWindow(since: since, until: until))
    if let first = hours.first, first > since, first.rawValue.floorDiv(hourNanos) != since.rawValue.floorDiv(hourNanos) {
        fatalError("the first hour listed does not hold the window's start")
    }
    return 0
}
