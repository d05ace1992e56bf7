import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store Hubble JSON flow lines (hubble observe -o json, Hubble exporter files).",
        discussion: """
            Reads each FILE (or standard input for -) line by line. Wrapped records ({"flow":…}) and \
            bare Flow objects are accepted; lost_events, node_status, agent_event and debug_event \
            records are counted, not stored as flows. Malformed lines are reported with their line \
            number and skipped; everything else is kept.

            Re-running on the same file adds nothing; a file that grew is read from where the last \
            run stopped; a rotated or truncated file is read again from its start. Rotated backups \
            of a FILE read before (Hubble exporter's NAME-<timestamp>.EXT and logrotate's NAME.N, \
            optionally gzipped) that hold lines not read yet are read first, oldest first. Gzip \
            input is recognised by its first bytes. Positions are kept per file (device and \
            inode), so concurrent ingests of one file, or of it through a link, store each line \
            once. A flow whose uuid is already stored is not stored twice. An input that cannot \
            be read is reported and the others are still read (exit status 1). An input in which \
            no line is a Hubble record (gzip that did not inflate, hubble observe -o compact text, \
            other JSON) is reported with what it looks like; nothing of it is stored, no position \
            is saved for it, the others are still stored, and the exit status is 65 (1 if an input \
            could also not be read).

            With --follow, files are read as they grow (like tail -F, surviving rotation) and \
            committed at least every half second; SIGINT or SIGTERM commits what was read and exits 0.

            On standard error: warnings and errors always; the summary, notes and progress only on \
            a terminal or with --verbose (the summary also after a warning), so a run from cron \
            that went well prints nothing. Off a terminal every line starts with the UTC time.
            """)

    @OptionGroup(title: "Database") var store: StoreOptions

    @Argument(help: ArgumentHelp("Files of Hubble JSON lines; - for standard input (the default when not a terminal).", valueName: "file"))
    var files: [String] = []

    @Flag(name: [.customShort("f"), .long], help: "Keep reading the files as they grow, until SIGINT or SIGTERM.")
    var follow = false

    @Option(name: .customLong("max-warnings"), parsing: .unconditional,
            help: "Print at most this many warnings about skipped lines, then only count them.", transform: CountArgument.parse)
    var maxWarnings: Int = 20

    @Option(name: .customLong("decode-threads"),
            help: ArgumentHelp("Threads that decode lines while one reads them (default: the processors online, at most 4; up to 64; 1 decodes on the reading thread). The result is the same for any number.", valueName: "n"))
    var decodeThreads: Int?

    func validate() throws {
        if let decodeThreads, !(1...IngestOptions.decodeWorkerLimit).contains(decodeThreads) {
            throw ValidationError("--decode-threads must be from 1 to \(IngestOptions.decodeWorkerLimit)")
        }
        if follow && (files.isEmpty || files.contains("-")) {
            throw ValidationError("--follow needs files; it cannot follow standard input")
        }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("- (standard input) can be given only once") }
    }

    func run() throws {
        try reportingErrors(verbose: store.verbose) {
            var inputs = files.map { $0 == "-" ? IngestInput.standardInput : IngestInput.file($0) }
            if inputs.isEmpty {
                guard !isTerminal(0) else {
                    throw ValidationError("no input: give FILE arguments, or - to read standard input")
                }
                inputs = [.standardInput]
            }
            let flowStore = try store.openStore(.create)
            var options = IngestOptions()
            options.follow = follow
            if let decodeThreads { options.decodeWorkers = decodeThreads }
            if let preferred = flowStore.preferredBatchSize {
                options.batchSize = preferred.flows
                options.maxBatchBytes = preferred.bytes
            }
            installStopHandlers()

            var warnings = 0
            let showProgress = isTerminal(2)
            let started = monotonicSeconds()
            let ingestor = Ingestor(
                store: flowStore, options: options,
                diagnostics: { diagnostic in
                    if diagnostic.severity == .warning {
                        warnings += 1
                        guard warnings <= maxWarnings else { return }
                    }
                    let text = TextEscaping.terminal(diagnostic.description)
                    // Notes (a rotation followed, a last line left for later) are news only at a
                    // terminal; warnings and errors are always shown.
                    if diagnostic.severity == .note && !showsNotes(verbose: store.verbose) { return }
                    printError(showProgress ? "\r\u{1B}[K" + text : text)
                },
                progress: showProgress ? { summary in
                    let elapsed = max(monotonicSeconds() - started, 0.001)
                    var err = StandardError()
                    err.write("\r\u{1B}[K\(formatBytes(summary.bytesRead)) read, \(summary.ingested) flows stored, "
                              + "\(Int(Double(summary.ingested) / elapsed)) flows/s")
                } : nil,
                shouldStop: { stopRequested.load(ordering: .relaxed) })
            let summary = try ingestor.run(inputs)
            if showProgress { printError("\r\u{1B}[K", terminator: "") }
            if warnings > maxWarnings { printError("flowlog: \(warnings - maxWarnings) more \(warnings - maxWarnings == 1 ? "warning" : "warnings") not shown") }
            let elapsed = monotonicSeconds() - started
            // The summary is for a terminal or --verbose; after warnings or a failed input it is
            // shown anyway, so a mailed warning comes with what came of the run.
            let troubled = warnings > 0 || summary.failedInputs > 0 || summary.rejectedInputs > 0
            if troubled || showsNotes(verbose: store.verbose) {
                printError("ingested \(summary.ingested) flows, \(summary.duplicates) duplicates, \(summary.skipped) skipped, "
                           + "\(summary.nonFlowRecords) non-flow records (\(formatBytes(summary.bytesRead)) in "
                           + "\(formatSeconds(elapsed)))")
            }
            // The other inputs were read and stored; the exit status still says one was not:
            // 1 when an input could not be read, else 65 when one held no Hubble record.
            if summary.failedInputs > 0 {
                printError("flowlog: error: \(summary.failedInputs) of \(inputs.count) inputs could not be read (see above)")
                throw ExitCode(ExitCodes.runtimeFailure)
            }
            if summary.rejectedInputs > 0 {
                printError("flowlog: error: \(summary.rejectedInputs) of \(inputs.count) inputs held no Hubble record (see above)")
                throw ExitCode(ExitCodes.dataError)
            }
        }
    }
}

func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : "\(Double(Int(value * 10)) / 10) \(units[unit])"
}

func formatSeconds(_ seconds: Double) -> String {
    "\(Double(Int(seconds * 100)) / 100) s"
}
