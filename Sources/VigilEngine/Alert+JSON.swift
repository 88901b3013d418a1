import VigilRules
import VigilValues

extension Alert {
    /// The alert as one JSON object: the wire format documented in the README's alert contract.
    package func jsonBytes() -> [UInt8] {
        var writer = JSONWriter()
        writer.object { json in
            json.key("alert_id"); json.string(alertID)
            json.key("rule_id"); json.string(ruleID)
            json.key("severity"); json.string(severity.rawValue)
            json.key("mode"); json.string(mode.rawValue)
            json.key("description"); json.string(description)
            json.key("key"); json.object { object in
                for (field, value) in key { object.key(field); object.value(value) }
            }
            let primary = explanation.primaryCondition
            json.key("observed"); json.value(primary?.left)
            json.key("threshold"); json.value(primary?.right)
            json.key("condition"); json.value(primary.map { .string($0.text) })
            writeWindow(into: &json)
            json.key("event_id"); json.string(eventID)
            json.key("event_ts"); json.string(RFC3339.format(milliseconds: eventTime))
            json.key("detected_at"); json.string(RFC3339.format(milliseconds: detectedAt))
            json.key("ruleset_version"); json.string(rulesetVersion)
            json.key("source"); json.object { object in
                object.key("topic"); object.string(source.topic)
                object.key("partition"); object.integer(Int64(source.partition))
                object.key("offset"); object.integer(source.offset)
            }
            json.key("suppressed_firings"); json.integer(Int64(suppressedFirings))
            json.key("labels"); json.object { object in
                for (name, value) in labels.sorted(by: { $0.key < $1.key }) { object.key(name); object.string(value) }
            }
            json.key("explanation"); writeExplanation(into: &json)
        }
        return writer.bytes
    }

    private func writeWindow(into json: inout JSONWriter) {
        json.key("window")
        guard let reading = explanation.aggregates.first else {
            json.value(nil)
            return
        }
        writeWindowBounds(reading, into: &json)
    }

    private func writeWindowBounds(_ reading: AlertExplanation.AggregateReading, into json: inout JSONWriter) {
        json.object { object in
            object.key("duration_ms"); object.integer(reading.windowMilliseconds)
            object.key("start_exclusive"); object.string(RFC3339.format(milliseconds: reading.windowStart))
            object.key("end"); object.string(RFC3339.format(milliseconds: reading.windowEnd))
        }
    }

    private func writeExplanation(into json: inout JSONWriter) {
        json.object { object in
            object.key("expression"); object.string(explanation.expression)
            object.key("conditions"); object.array { array in
                for condition in explanation.conditions {
                    array.object { item in
                        item.key("text"); item.string(condition.text)
                        item.key("left"); item.value(condition.left)
                        item.key("op"); item.string(condition.op)
                        item.key("right"); item.value(condition.right)
                        item.key("holds"); item.value(condition.holds.map { .bool($0) })
                    }
                }
            }
            object.key("aggregates"); object.array { array in
                for reading in explanation.aggregates {
                    array.object { item in
                        item.key("text"); item.string(reading.text)
                        item.key("value"); item.value(reading.value)
                        item.key("window"); writeWindowBounds(reading, into: &item)
                    }
                }
            }
            object.key("lookups"); object.array { array in
                for lookup in explanation.lookups {
                    array.object { item in
                        item.key("text"); item.string(lookup.text)
                        item.key("key"); item.value(lookup.key.map(Value.string))
                        item.key("value"); item.value(lookup.value.map(Value.number))
                        item.key("default"); item.value(.bool(lookup.isDefault))
                    }
                }
            }
            object.key("fields"); object.object { fields in
                for (name, value) in explanation.fields { fields.key(name); fields.value(value) }
            }
        }
    }
}
