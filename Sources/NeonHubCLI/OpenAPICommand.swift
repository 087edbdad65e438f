import ArgumentParser
import Foundation
import Logging
import NeonHub

/// `neonhub openapi`: prints the OpenAPI 3.1 document of every procedure (no database needed).
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openapi", abstract: "Print the OpenAPI 3.1 document and exit.")

    func run() throws {
        var config = AppConfig()
        config.useDatabase = false
        let server = try NeonHubServer(config: config, logger: Logger(label: "neonhub.openapi"))
        FileHandle.standardOutput.write(Data(OpenAPIDocument.json(registry: server.registry, version: NeonHubVersion.current)))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
