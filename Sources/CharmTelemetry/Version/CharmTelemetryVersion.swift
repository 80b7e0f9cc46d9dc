/// The package's version, as `--version` of its commands prints it.
///
/// One constant for every binary, bumped with each release, so a bug report names what ran.
public enum CharmTelemetryVersion {
    /// The release this source tree builds, in semantic-versioning form.
    public static let string = "0.2.0"
}
