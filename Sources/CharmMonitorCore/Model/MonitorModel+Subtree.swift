extension MonitorModel {
    /// The run `id` and its descendants kept, parents before children (breadth first), at
    /// most `limit` of them so a run with a huge tree stays bounded; empty when `id` is not
    /// kept. What `x` exports and `[` `]` step through.
    package func subtree(of id: String, limit: Int = 10_000) -> [MonitorRun] {
        guard let root = run(id) else { return [] }
        var runs = [root]
        var seen: Set<String> = [root.id]
        var head = 0
        while head < runs.count && runs.count < limit {
            for child in runs[head].children where seen.insert(child).inserted {
                if let run = run(child) { runs.append(run) }
            }
            head += 1
        }
        return runs
    }

    /// The ids of `subtree(of:)`.
    package func descendantIDs(of id: String) -> Set<String> { Set(subtree(of: id).map(\.id)) }
}
