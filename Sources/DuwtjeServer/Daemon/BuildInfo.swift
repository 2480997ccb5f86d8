import CBuildInfo

/// The version and commit this binary was built from, for `duwtje --version` and `/v1/status`.
///
/// `scripts/build-deb.sh` links them in as one small object file that defines the symbols
/// `Sources/CBuildInfo` refers to weakly, so a new commit only relinks the binary; a plain
/// `swift build` leaves them undefined, and the version is `dev` with no commit.
public enum BuildInfo {
    /// The package version (`0.1.0+git57.gabc1234`), or `dev`.
    public static var version: String {
        duwtje_build_version_string().map { String(cString: $0) } ?? "dev"
    }

    /// The full commit hash (with `-dirty` when built with uncommitted changes), or nil.
    public static var commit: String? {
        duwtje_build_commit_string().map { String(cString: $0) }
    }

    /// `duwtje --version`: the version and the commit on one line.
    public static var summary: String {
        "\(version) (commit \(commit ?? "unknown: not built by scripts/build-deb.sh"))"
    }
}
