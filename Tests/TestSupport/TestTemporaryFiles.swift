public import Foundation

/// Files a test writes for the code under test to read (a `CONNECTOR_ENDPOINTS_FILE`, say), kept
/// in one folder per test process that is removed when the process exits: a test run leaves
/// nothing behind in the temporary directory (it used to leave one endpoints file per test).
public enum TestTemporaryFiles {
    /// This process's folder, made (and its removal at exit registered) on first use.
    public static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("neonhub-tests-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestTemporaryFiles.directory) }
        return url
    }()

    /// A new file's URL in `directory`: `<prefix>-<uuid>.<ext>`.
    public static func url(_ prefix: String, ext: String = "json") -> URL {
        directory.appendingPathComponent("\(prefix)-\(UUID().uuidString).\(ext)")
    }
}
