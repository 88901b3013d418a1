import CRdKafka

/// Builds a `rd_kafka_conf_t` from properties, reporting the first key librdkafka rejects.
///
/// The returned configuration is owned by the caller until `rd_kafka_new` takes it.
func makeRdKafkaConf(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
    guard let conf = rd_kafka_conf_new() else {
        throw KafkaError(.configuration, message: "rd_kafka_conf_new failed")
    }
    var errorText = [CChar](repeating: 0, count: 512)
    for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
        let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
        if result != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            let detail = String(errorBuffer: errorText)
            throw KafkaError(.configuration, message: "property \(key): \(detail)")
        }
    }
    return conf
}
