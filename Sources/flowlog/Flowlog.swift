import ArgumentParser

@main
struct Flowlog: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "flowlog", abstract: "Hubble flow-log analyzer.")
}
