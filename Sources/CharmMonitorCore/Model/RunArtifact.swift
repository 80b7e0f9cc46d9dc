import CharmTelemetry

/// A file a run produced: Charm's runner reports one as `internal_artifact_found`
/// (`{path, rel_path, mime, run_id}`), an agent as `artifact` (`{name, url, mime}`).
package struct RunArtifact: Sendable, Hashable {
    /// Where it is: the container path, or the URL an agent gave.
    package var location: String
    /// Its name to show: `rel_path`, else `name`, else the location.
    package var name: String
    /// Its MIME type, when given.
    package var mime: String?
    /// When the monitor saw it.
    package var at: Timestamp

    /// An artifact with every field given.
    package init(location: String, name: String, mime: String?, at: Timestamp) {
        self.location = location
        self.name = name
        self.mime = mime
        self.at = at
    }
}
