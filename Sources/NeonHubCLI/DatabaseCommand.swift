import ArgumentParser
import Foundation
import Logging
import NeonHub
import Postgres

/// `neonhub db`: the embedded cluster of this project (`url`, `reset`).
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded PostgreSQL cluster of this project folder.",
        subcommands: [URLCommand.self, ResetCommand.self])

    /// `neonhub db url`: starts the embedded cluster if needed and prints its connection string.
    struct URLCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "url", abstract: "Start the embedded cluster if needed and print its libpq connection string.")

        func run() throws {
            let logger = commandLogger()
            let cluster = try embeddedClusterOrExit(logger: logger)
            print(try cluster.start())
        }
    }

    /// `neonhub db reset`: stops the embedded cluster and deletes its data, wherever it lives.
    struct ResetCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset",
            abstract: "Stop the embedded cluster and delete all of its data (the next start begins empty).")

        @Flag(help: "Do not ask; required when standard input is not a terminal.")
        var yes = false

        func run() throws {
            let logger = commandLogger()
            let working = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            let cluster = try embeddedClusterOrExit(logger: logger)
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    FileHandle.standardError.write(Data("db reset deletes every row: run it with --yes\n".utf8))
                    throw ExitCode(64)
                }
                print("Delete the embedded cluster at \(cluster.directory.path)? [y/N] ", terminator: "")
                guard readLine()?.lowercased().hasPrefix("y") == true else { throw ExitCode(1) }
            }
            try cluster.stopServer()
            let pointer = working.appendingPathComponent(Database.embeddedDirectory, isDirectory: true)
            for folder in Set([cluster.directory.path, pointer.path]) where FileManager.default.fileExists(atPath: folder) {
                try FileManager.default.removeItem(atPath: folder)
                print("removed \(folder)")
            }
        }
    }
}

/// The embedded cluster of the working folder; refuses when `DATABASE_URL` names another database.
private func embeddedClusterOrExit(logger: Logger) throws -> EmbeddedCluster {
    if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
        FileHandle.standardError.write(Data("DATABASE_URL is set: this command manages only the embedded cluster\n".utf8))
        throw ExitCode(64)
    }
    let working = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    do {
        return try Database.embeddedCluster(workingDirectory: working, logger: logger)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Text logs on stderr at notice level and above, for the short-lived commands.
private func commandLogger() -> Logger {
    LoggingSetup.bootstrap(format: "text", level: .notice)
    return Logger(label: "neonhub.db")
}
