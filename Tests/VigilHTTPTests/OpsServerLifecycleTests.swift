import Logging
import ServiceLifecycle
import Testing
@testable import VigilHTTP

@Suite struct OpsServerLifecycleTests {
    @Test func serverEndsWithItsServiceGroupsGracefulShutdown() async throws {
        let group = ServiceGroup(services: [makeServer(port: 0)], logger: Logger(label: "vigil.http.test"))
        await #expect(throws: Never.self) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
