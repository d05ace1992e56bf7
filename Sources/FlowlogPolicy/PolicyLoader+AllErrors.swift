extension PolicyLoader {
    /// Loads every policy in `paths` like ``load(paths:)``, but goes on after an error: each
    /// file still stops at its first error (as the API server rejects a whole manifest), and
    /// every other file is read. For `policy lint`, which reports every bad file of a directory.
    ///
    /// - Returns: the policies and diagnostics of the files without errors, and one error per
    ///   file (or path) that has one, in path order.
    public static func loadReportingAllErrors(paths: [String]) -> (result: PolicyLoadResult, errors: [PolicyError]) {
        var result = PolicyLoadResult()
        var errors: [PolicyError] = []
        var seen = Set<String>()
        for path in paths {
            let sources: [PolicySources.Source]
            do {
                sources = try PolicySources.expand([path])
            } catch {
                errors.append(error)
                continue
            }
            for source in sources where seen.insert(source.name).inserted {
                // A file's policies count only when the whole file is valid; loading into a copy
                // keeps the warnings about a policy defined again in an earlier file.
                var attempt = result
                do {
                    try load(bytes: try PolicySources.contents(of: source), file: source.name, into: &attempt)
                } catch {
                    errors.append(error)
                    continue
                }
                result = attempt
            }
        }
        return (result, errors)
    }
}
