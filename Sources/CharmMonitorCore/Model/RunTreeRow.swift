/// One row of the flattened run tree: a run's id, how deep it sits and its place in order
/// of first appearance. Small on purpose: the tree of every run kept is cached as these,
/// and a frame looks up only the runs it shows.
package struct RunTreeRow: Sendable, Hashable {
    /// The run id.
    package var id: String
    /// 0 for a root, 1 for its children, and so on.
    package var depth: Int
    /// The run's `MonitorRun.order`.
    package var order: UInt64
}
