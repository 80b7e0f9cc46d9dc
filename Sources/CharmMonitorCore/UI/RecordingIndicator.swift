/// What the header says about recording: on, what it lost, whether it stopped. Only what
/// moves rarely (not the count written), so an idle screen is not redrawn for it.
package struct RecordingIndicator: Hashable, Sendable {
    /// Changes that could not be recorded (a live source outran the disk).
    package var lost: Int
    /// Set when writing failed and recording stopped (the monitor runs on).
    package var failed: Bool

    /// An indicator with every field given.
    package init(lost: Int = 0, failed: Bool = false) {
        self.lost = lost
        self.failed = failed
    }

    /// The header's piece and how it is shown.
    var piece: (String, ThemeRole) {
        if failed { return (" REC failed ", .error) }
        if lost > 0 { return (" REC lost \(UIFormat.count(lost)) ", .warning) }
        return (" ● REC ", .statusError)
    }
}
