import Hummingbird
import Prometheus

extension OpsServer {
    /// Every route and the methods it answers; other methods on these paths get 405.
    static let allowedMethods: [String: [HTTPRequest.Method]] = [
        "/healthz": [.get, .head],
        "/readyz": [.get, .head],
        "/metrics": [.get, .head],
        "/rules": [.get, .head],
        "/rules/reload": [.post],
    ]

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.middlewares.add(MethodNotAllowedMiddleware(allowedMethods: Self.allowedMethods))
        router.get("healthz") { _, _ in liveness() }
        router.get("readyz") { _, _ in readiness() }
        router.get("metrics") { _, _ in prometheusText() }
        let rules = router.group("rules").add(middleware: AdminTokenMiddleware(token: configuration.adminToken))
        rules.get { _, _ in admin.activeRuleSet() }
        rules.post("reload") { _, _ in reload() }
        return router
    }

    private func liveness() -> Response {
        health.isAlive ? .plainText(.ok, "ok") : .plainText(.serviceUnavailable, "processing loop is not polling")
    }

    private func readiness() -> Response {
        guard let reason = health.notReadyReason else { return .plainText(.ok, "ready") }
        return .plainText(.serviceUnavailable, reason)
    }

    private func prometheusText() -> Response {
        processMetrics.update()
        var text: [UInt8] = []
        metrics.emit(into: &text)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: text))
        )
    }

    private func reload() -> EditedResponse<RuleReloadResult> {
        let result = admin.reloadRules()
        return EditedResponse(status: result.outcome == .rejected ? .unprocessableContent : .ok, response: result)
    }
}

extension Response {
    static func plainText(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}

extension RuleSetDescription: ResponseEncodable {}
extension RuleReloadResult: ResponseEncodable {}
