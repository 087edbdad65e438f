/// The NeonHub release version, reported by `/health` and `--version`.
public enum NeonHubVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
