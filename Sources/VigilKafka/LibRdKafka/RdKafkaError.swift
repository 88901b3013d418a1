import CRdKafka

extension KafkaError {
    /// The group coordinator refused because the group is rebalancing.
    package var isRebalanceInProgress: Bool {
        rdKafkaCode == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS.rawValue
    }

    /// An error from a `rd_kafka_resp_err_t` returned by a call.
    init(_ code: Code, response: rd_kafka_resp_err_t, context: String, file: String = #fileID, line: Int = #line) {
        let text = String(cString: rd_kafka_err2str(response))
        self.init(
            code,
            rdKafkaCode: response.rawValue,
            message: "\(context): \(text)",
            file: file,
            line: line
        )
    }

    /// An error from a `rd_kafka_error_t`, which it destroys.
    init(_ code: Code, consuming error: OpaquePointer, context: String, file: String = #fileID, line: Int = #line) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code,
            rdKafkaCode: rd_kafka_error_code(error).rawValue,
            message: "\(context): \(String(cString: rd_kafka_error_string(error)))",
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            requiresAbort: rd_kafka_error_txn_requires_abort(error) != 0,
            file: file,
            line: line
        )
    }

    /// The client's fatal error, if it has one (a fenced static member, a fatal idempotence error).
    static func fatalError(of client: OpaquePointer) -> KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(client, &buffer, buffer.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let text = String(errorBuffer: buffer)
        return KafkaError(.client, rdKafkaCode: code.rawValue, message: text, isFatal: true)
    }
}
