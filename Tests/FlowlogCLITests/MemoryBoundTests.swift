import Foundation
import Testing

/// Memory bounds of issue #14, measured on the built binary: peak resident memory (VmHWM from
/// `/proc/<pid>/status`, polled while it runs) must not grow with the input. Throughput is
/// measured in Benchmarks/, not here; the sizes below are the smallest that blew the bounds
/// before the fix (several times over), so the tests stay quick in a debug build.
@Suite(.serialized) struct MemoryBoundTests {
    let scratch: Scratch

    init() throws {
        scratch = try Scratch()
    }

    /// What a run did and its peak resident memory in KiB (0 where /proc is missing).
    struct MeasuredRun {
        var status: Int32
        var standardError: String
        var peakKiB: Int
    }

    /// Runs `flowlog arguments…`, writing `input` chunks to its standard input from another
    /// thread and throwing its standard output away.
    static func measure(_ arguments: [String], input: (@Sendable (FileHandle) -> Void)? = nil) throws -> MeasuredRun {
        let process = Process()
        process.executableURL = Flowlog.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FLOWLOG_DB"] = nil
        process.environment = environment
        let standardInput = Pipe()
        let error = Pipe()
        process.standardInput = standardInput
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = error
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        DispatchQueue.global().async(group: group) { errorData = error.fileHandleForReading.readDataToEndOfFile() }
        let writer = standardInput.fileHandleForWriting
        DispatchQueue.global().async(group: group) {
            input?(writer)
            try? writer.close()
        }
        var peak = 0
        while process.isRunning {
            peak = max(peak, highWaterMarkKiB(process.processIdentifier) ?? 0)
            usleep(10_000)
        }
        process.waitUntilExit()
        group.wait()
        return MeasuredRun(status: process.terminationStatus, standardError: CommandResult.withoutTimes(String(decoding: errorData, as: UTF8.self)),
                           peakKiB: peak)
    }

    /// VmHWM (peak resident set) of a running process, in KiB.
    static func highWaterMarkKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    /// Line `index` of the hostile input of Benchmarks/generate_label_sets.py: a flow whose source
    /// has `labels` labels of about 40 bytes, all distinct to this line.
    static func labelSetLine(_ index: Int, labels: Int) -> String {
        let set = String(format: "%08d", index)
        var text = #"{"flow":{"time":"2026-11-20T10:00:00.\#(String(format: "%09d", index))Z","uuid":"00000000-0000-4000-8000-\#(String(format: "%012x", index))","#
        text += #""verdict":"FORWARDED","l4":{"TCP":{"source_port":40000,"destination_port":8080}},"#
        text += #""source":{"identity":\#(100_000 + index),"namespace":"attack","pod_name":"pod-\#(index)","labels":["#
        text += (0..<labels).map { #""k8s:example.com/attribute-\#(String(format: "%03d", $0))=value-\#(set)""# }.joined(separator: ",")
        text += #"]},"destination":{"identity":4242,"namespace":"production","pod_name":"api-0","labels":["k8s:app=api"]},"#
        text += #""node_name":"node-\#(set)","event_type":{"type":4}}}"#
        return text + "\n"
    }

    /// Before the fix, 8,000 sets of 300 labels peaked near 300 MiB (60,000: 1.7 GB); the
    /// release benchmark of 60,000 sets now peaks under 100 MiB.
    @Test func ingestOfDistinctLargeLabelSetsStaysUnder128MiB() throws {
        let database = scratch.path("labels.db")
        let sets = 8_000
        let run = try Self.measure(["ingest", "--db", database, "--verbose", "-"]) { handle in
            var chunk = ""
            for index in 0..<sets {
                chunk += Self.labelSetLine(index, labels: 300)
                if chunk.utf8.count > 1 << 20 {
                    handle.write(Data(chunk.utf8))
                    chunk = ""
                }
            }
            handle.write(Data(chunk.utf8))
        }
        #expect(run.status == 0)
        #expect(run.standardError.hasPrefix("ingested \(sets) flows, 0 duplicates, 0 skipped"), "\(run.standardError)")
        #expect(run.peakKiB > 0, "no /proc to read the peak from")
        #expect(run.peakKiB < 128 * 1024, "peak RSS \(run.peakKiB) KiB")
    }

    /// Before the fix, `observe --all` held every row (and every table cell): 300,000 flows
    /// peaked at about 270 MiB as a table.
    @Test func observeAllStreamsUnder64MiB() throws {
        let database = scratch.path("many.db")
        let flows = 300_000
        let ingest = try Self.measure(["ingest", "--db", database, "--verbose", "-"]) { handle in
            var chunk = ""
            for index in 0..<flows {
                let time = String(format: "2026-11-20T%02d:%02d:%02d.%09dZ", index / 36_000 % 24, index / 600 % 60, index / 10 % 60, index)
                chunk += #"{"flow":{"time":"\#(time)","uuid":"00000000-0000-4000-8000-\#(String(format: "%012x", index))","verdict":"FORWARDED","IP":{"source":"10.0.0.\#(index % 200)","destination":"10.0.1.1"},"l4":{"TCP":{"source_port":\#(10_000 + index % 50_000),"destination_port":8080}},"source":{"identity":\#(1000 + index % 20),"namespace":"shop","pod_name":"web-\#(index % 20)","labels":["k8s:app=web"]},"destination":{"identity":2000,"namespace":"shop","pod_name":"api-0","labels":["k8s:app=api"]},"node_name":"node-1","event_type":{"type":4},"Summary":"TCP Flags: ACK"}}"# + "\n"
                if chunk.utf8.count > 1 << 20 {
                    handle.write(Data(chunk.utf8))
                    chunk = ""
                }
            }
            handle.write(Data(chunk.utf8))
        }
        #expect(ingest.standardError.hasPrefix("ingested \(flows) flows"), "\(ingest.standardError)")
        let observe = try Self.measure(["observe", "--db", database, "--all", "-o", "table"])
        #expect(observe.status == 0)
        #expect(observe.peakKiB > 0, "no /proc to read the peak from")
        #expect(observe.peakKiB < 64 * 1024, "peak RSS \(observe.peakKiB) KiB")
    }

    /// A flow is either refused at ingest or exported as a line that ingest reads back: a
    /// 900,000-character node name used to be stored, then exported as a 1.8 MB line and skipped.
    @Test func observeJSONOfHugeFlowsAlwaysReingests() throws {
        func line(_ uuid: Int, node: String) -> String {
            #"{"flow":{"time":"2026-11-20T10:00:0\#(uuid)Z","uuid":"00000000-0000-4000-8000-00000000000\#(uuid)","verdict":"FORWARDED","source":{"identity":5},"destination":{"identity":6},"node_name":"\#(node)"}}"# + "\n"
        }
        let input = line(1, node: String(repeating: "n", count: 900_000))
            + line(2, node: String(repeating: "<", count: 120_000))
            + line(3, node: String(repeating: "n", count: 500_000))
            + line(4, node: "node-1")
        let first = scratch.path("first.db")
        let ingest = try Flowlog.run(["ingest", "--db", first, "-"], input: Data(input.utf8))
        #expect(ingest.standardError.contains("<stdin>:1:1: warning: flow: as a JSON line (observe -o json) this flow would be longer than the 1048576-byte line limit"))
        #expect(ingest.standardError.contains("ingested 2 flows, 0 duplicates, 2 skipped"), "\(ingest.standardError)")
        let exported = try Flowlog.run(["observe", "--db", first, "--all", "-o", "json"])
        #expect(exported.standardOutput.split(separator: "\n").count == 2)
        let second = scratch.path("second.db")
        let reingest = try Flowlog.run(["ingest", "--db", second, "--verbose", "-"], input: Data(exported.standardOutput.utf8))
        #expect(reingest.standardError.hasPrefix("ingested 2 flows, 0 duplicates, 0 skipped"), "\(reingest.standardError)")
        let again = try Flowlog.run(["observe", "--db", second, "--all", "-o", "json"])
        let sameOutput = again.standardOutput == exported.standardOutput  // not printed: megabytes
        #expect(sameOutput)
    }
}
