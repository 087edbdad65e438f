import HTTPCore
import HTTPFields

/// `GET /health` and `GET /metrics` (DESIGN §3).
public enum OperatorRoutes {
    /// Registers the operator endpoints on `router`.
    public static func register(on router: AppRouter, health: HealthMonitor, metrics: NeonHubMetrics) {
        router.add("GET", "/health") { _, sink in
            let (status, body) = health.report()
            sink.send(HTTPResponse(status: status, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"], body: body))
        }
        router.add("GET", "/metrics") { _, sink in
            sink.send(HTTPResponse(status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: metrics.render()))
        }
    }
}
