import VigilEvents
import VigilRules
import VigilValues

/// Finds, for an input event, the key it carries on each repartition topic.
///
/// A key is the values of the topic's key fields joined by `|`, as alert keys are written; an
/// event that lacks one of them has no key there and is not forwarded (the rules on that topic
/// could not decide on it anyway).
struct RepartitionRouter {
    struct Route {
        let topic: String
        let fieldIndices: [Int]
    }

    let routes: [Route]
    private var decoder: EventDecoder
    private var event: PaymentEvent

    init(topology: PipelineTopology, maximumMessageBytes: Int) {
        var specs: [FieldSpec] = []
        var routes: [Route] = []
        for stage in topology.repartitionStages {
            let indices = stage.keyFields.map { name -> Int in
                if let known = specs.firstIndex(where: { $0.name == name }) { return known }
                let type = stage.plan.fields.first { $0.name == name }?.type ?? .string
                specs.append(FieldSpec(name: name, type: type))
                return specs.count - 1
            }
            routes.append(Route(topic: stage.topic, fieldIndices: indices))
        }
        self.routes = routes
        decoder = EventDecoder(fields: specs, maximumMessageBytes: maximumMessageBytes)
        event = PaymentEvent(fieldCount: specs.count)
    }

    var isEmpty: Bool { routes.isEmpty }

    /// The key on each route, in `routes` order; nil where a key field is missing.
    mutating func keys(of bytes: UnsafeRawBufferPointer) -> [[UInt8]?] {
        guard decoder.decode(bytes, into: &event) == nil else { return routes.map { _ in nil } }
        return routes.map { route in
            var parts: [String] = []
            for index in route.fieldIndices {
                guard let value = event.fields[index] else { return nil }
                parts.append(value.description)
            }
            return Array(parts.joined(separator: "|").utf8)
        }
    }
}
