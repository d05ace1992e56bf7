import FlowlogModel
import FlowlogStore
import FlowlogSQLite
import FlowlogIngest

/// Runs one ingest of `inputs` into the store at `database`, collecting diagnostics.
package func ingest(_ inputs: [IngestInput], into database: String, options: IngestOptions = IngestOptions())
    throws -> (summary: IngestSummary, diagnostics: [IngestDiagnostic]) {
    let store = try SQLiteFlowStore(path: database)
    var diagnostics: [IngestDiagnostic] = []
    let summary = try Ingestor(store: store, options: options, diagnostics: { diagnostics.append($0) }).run(inputs)
    return (summary, diagnostics)
}

/// Every stored flow, oldest first.
package func storedFlows(_ database: String) throws -> [Flow] {
    try SQLiteFlowStore(path: database).flows(matching: FlowQuery(), last: nil)
}
