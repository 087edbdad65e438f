import ArgumentParser
import Foundation
import Logging
import NeonHub

/// `neonhub worker`: the queue workers without the HTTP server, for a separate worker
/// service sharing the database with `serve`. SIGTERM stops claiming; running jobs get
/// `SHUTDOWN_GRACE` to finish; the rest stay in the queue for other workers.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run queue workers only (WORKERS of them; no HTTP).")

    func run() async throws {
        var config = try loadConfigOrExit()
        if config.workers == 0 { config.workers = 4 }
        LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        let logger = Logger(label: "neonhub-worker")
        let shutdown = ShutdownRequest()
        let signals = SignalWatcher { shutdown.request() }
        let server: NeonHubServer
        do {
            server = try await runOnOwnThread { [config] in
                let server = try NeonHubServer(config: config, logger: logger)
                try server.startWorkerOnly()
                return server
            }
        } catch {
            logger.critical("could not start the worker: \(error)")
            throw ExitCode(1)
        }
        shutdown.attach { server.shutdown() }
        _ = try? await runOnOwnThread { server.waitUntilWorkerStopped() }
        withExtendedLifetime(signals) {}
        logger.info("worker stopped")
    }
}
