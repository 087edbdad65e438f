import HTTPCore
import HTTPFields
import Logging
import Synchronization

/// Mounts every route of the server on one router: the operator endpoints, the OpenAPI
/// document, the tRPC procedures, the OAuth callback and mock consent pages, and `/webhooks/*`.
enum Routes {
    /// A router with every route, answering unrouted requests in the error envelope.
    static func mount(
        config: AppConfig, health: HealthMonitor, metrics: NeonHubMetrics, registry: ProcedureRegistry,
        trpc: TRPCHandler, oauth: OAuthFlow, webhooks: WebhookService, logger: Logger
    ) -> AppRouter {
        let router = AppRouter(
            metrics: metrics, logger: logger, cors: CORSPolicy(origins: config.corsOrigins),
            notFound: ErrorEnvelope.noRoute, methodNotAllowed: ErrorEnvelope.methodNotAllowed)
        OperatorRoutes.register(on: router, health: health, metrics: metrics)
        mountOpenAPI(on: router, registry: registry)
        OAuthRoutes.register(on: router, flow: oauth)
        WebhookRoutes.register(on: router, service: webhooks)
        router.addPrefix("*", TRPCHandler.prefix, template: TRPCHandler.routeTemplate) { request, sink in
            trpc.handle(request, sink: sink)
        }
        return router
    }

    /// `GET /openapi.json`, built on first request (the registry is complete by then).
    private static func mountOpenAPI(on router: AppRouter, registry: ProcedureRegistry) {
        let openAPI = Mutex<[UInt8]?>(nil)
        router.add("GET", "/openapi.json") { _, sink in
            let document = openAPI.withLock { cached in
                if let cached { return cached }
                let built = OpenAPIDocument.json(registry: registry, version: NeonHubVersion.current)
                cached = built
                return built
            }
            sink.send(HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: document))
        }
    }
}
