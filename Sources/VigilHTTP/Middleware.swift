import Hummingbird
import Logging

/// Answers 405 with `Allow` for a known path asked with a method it does not serve, instead of the router's 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedMethods: [String: [HTTPRequest.Method]]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let allowed = allowedMethods[request.uri.path], !allowed.contains(request.method) else {
            return try await next(request, context)
        }
        var response = Response.plainText(.methodNotAllowed, "method not allowed")
        response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return response
    }
}

/// Requires `Authorization: Bearer <token>` when a token is configured; never logs what was presented.
struct AdminTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let token: [UInt8]?

    init(token: String?) {
        self.token = token.map { Array($0.utf8) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else { return try await next(request, context) }
        guard let presented = request.headers[.authorization].flatMap(Self.bearerToken), ConstantTime.equal(presented, token) else {
            context.logger.notice("admin request refused: missing or wrong bearer token", metadata: ["path": "\(request.uri.path)"])
            var response = Response.plainText(.unauthorized, "unauthorized")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// The credentials of a `Bearer` authorization (scheme case-insensitive), nil for any other or an empty one.
    private static func bearerToken(_ authorization: String) -> [UInt8]? {
        let bytes = Array(authorization.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count > scheme.count, zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) else { return nil }
        return Array(bytes[scheme.count...])
    }
}

/// Comparison whose duration does not depend on where two secrets first differ, so a token cannot be guessed byte by byte.
enum ConstantTime {
    static func equal(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = presented.count == expected.count ? 0 : 1
        for index in presented.indices {
            difference |= presented[index] ^ (index < expected.count ? expected[index] : 0)
        }
        return difference == 0
    }
}
