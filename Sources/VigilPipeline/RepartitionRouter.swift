import VigilEngine
import VigilRules
import VigilValues

/// Finds, for an input event, its key on each repartition topic, which picks its partition there.
///
/// A key is the values of the topic's key fields joined by `|`, as alert keys are written; an
/// event that lacks one of them has no key there and is not forwarded (the rules on that topic
/// could not decide on it anyway). The input stage's engine decodes the key fields along with its
/// own (`fields`), so routing reads the values it already has instead of decoding again.
struct RepartitionRouter {
    struct Route {
        let topic: String
        let keyFields: [String]
    }

    let routes: [Route]
    /// Every route's key fields, typed as the rules on its topic read them.
    let fields: [FieldSpec]

    init(topology: PipelineTopology) {
        var fields: [FieldSpec] = []
        for stage in topology.repartitionStages {
            for name in stage.keyFields where !fields.contains(where: { $0.name == name }) {
                let type = stage.plan.fields.first { $0.name == name }?.type ?? .string
                fields.append(FieldSpec(name: name, type: type))
            }
        }
        routes = topology.repartitionStages.map { Route(topic: $0.topic, keyFields: $0.keyFields) }
        self.fields = fields
    }

    var isEmpty: Bool { routes.isEmpty }

    /// Where `engine` decodes each route's key fields (nil for one it does not decode), to look
    /// up once per engine rather than by name for every event.
    func keyFieldPositions(in engine: Engine) -> [[Int?]] {
        routes.map { route in route.keyFields.map(engine.decodedFieldPosition(named:)) }
    }

    /// Replaces `key` with the key of the event `engine` evaluated last, on the route whose key
    /// fields `engine` decodes at `positions` (from ``keyFieldPositions(in:)``).
    /// - Returns: false when the event lacks one of the route's key fields.
    func key(at positions: [Int?], of engine: Engine, into key: inout [UInt8]) -> Bool {
        key.removeAll(keepingCapacity: true)
        for (index, position) in positions.enumerated() {
            guard let value = position.flatMap(engine.lastEventValue(at:)) else { return false }
            if index > 0 { key.append(UInt8(ascii: "|")) }
            switch value {
            case .string(let text): key.append(contentsOf: text.utf8)
            case .number, .bool: key.append(contentsOf: value.description.utf8)
            }
        }
        return true
    }
}
