import ArgumentParser
import Dispatch
import Foundation
import Logging
import NeonHub
import Synchronization

/// `neonhub serve`: validates the environment, starts the server and runs until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP server (the default).")

    func run() async throws {
        let config = try loadConfigOrExit()
        LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        let logger = Logger(label: "neonhub")
        // Signals are caught from before start: one that arrives while the server starts
        // shuts it down as soon as it exists, instead of killing the process.
        let shutdown = ShutdownRequest()
        let signals = SignalWatcher { shutdown.request() }
        let server: NeonHubServer
        do {
            server = try await NeonHubServer.launch(config: config, logger: logger)
        } catch let error as ConnectorError where !error.details.isEmpty {
            // One line per invalid field: the file and the JSON path of each.
            for line in error.details { logger.critical("invalid connector definition: \(line)") }
            throw ExitCode(1)
        } catch {
            logger.critical("could not start: \(error)")
            throw ExitCode(1)
        }
        shutdown.attach { server.shutdown() }
        _ = try? await runOnOwnThread { server.waitUntilStopped() }
        withExtendedLifetime(signals) {}
        logger.info("stopped")
    }
}

/// Reads the environment; on problems prints one line each and exits with status 78 (config).
func loadConfigOrExit() throws -> AppConfig {
    do {
        return try AppConfig.load(from: ProcessInfo.processInfo.environment)
    } catch {
        for line in error.lines { FileHandle.standardError.write(Data("config error: \(line)\n".utf8)) }
        throw ExitCode(78)
    }
}

/// SIGTERM/SIGINT: the first starts a graceful shutdown, a second exits at once.
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    init(onFirstSignal: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "neonhub.signals")
        let seen = SignalCount()
        sources = [SIGTERM, SIGINT].map { signo in
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler {
                if seen.increment() == 1 {
                    onFirstSignal()
                } else {
                    FileHandle.standardError.write(Data("second signal: exiting now\n".utf8))
                    exit(1)
                }
            }
            source.resume()
            return source
        }
    }
}

/// A shutdown asked for by a signal, delivered to the server once it exists (at once if the
/// signal came first).
final class ShutdownRequest: Sendable {
    private let state = Mutex<(requested: Bool, action: (@Sendable () -> Void)?)>((false, nil))

    /// A signal arrived.
    func request() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            state.requested = true
            return state.action
        }
        action?()
    }

    /// The server exists: `action` shuts it down (now, if a signal already arrived).
    func attach(_ action: @escaping @Sendable () -> Void) {
        let requested = state.withLock { state -> Bool in
            state.action = action
            return state.requested
        }
        if requested { action() }
    }
}

/// Counts signals (only touched on the signal queue, but kept atomic for clarity).
final class SignalCount: Sendable {
    private let value = Mutex(0)
    func increment() -> Int {
        value.withLock {
            $0 += 1; return $0
        }
    }
}
