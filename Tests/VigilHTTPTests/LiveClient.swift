import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
@testable import VigilHTTP

/// A response as the tests read it.
struct TestResponse {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer
}

/// Sends real HTTP requests to a server listening on loopback.
struct LiveClient {
    let port: Int

    func execute<Result>(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], _ check: (TestResponse) throws -> Result
    ) async throws -> Result {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(uri)")))
        request.httpMethod = method.rawValue
        for field in headers { request.addValue(field.value, forHTTPHeaderField: field.name.rawName) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields = HTTPFields()
        for (name, value) in http.allHeaderFields {
            if let text = name as? String, let name = HTTPField.Name(text), let value = value as? String { fields[name] = value }
        }
        return try check(TestResponse(status: HTTPResponse.Status(code: http.statusCode), headers: fields, body: ByteBuffer(bytes: data)))
    }
}

extension OpsServer {
    /// Runs the server on a free loopback port for the duration of `body`, then shuts it down gracefully.
    func test(_ body: (LiveClient) async throws -> Void) async throws {
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let application = makeApplication { port in announce.yield(port) }
        let group = ServiceGroup(services: [application], logger: Logger(label: "vigil.http.test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(LiveClient(port: port))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
