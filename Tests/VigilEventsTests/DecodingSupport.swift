import VigilEvents
import VigilValues

/// The fields a typical rule plan reads, in `FieldID` order.
let typicalFields: [FieldSpec] = [
    FieldSpec(name: "card_id", type: .string),
    FieldSpec(name: "amount", type: .number),
    FieldSpec(name: "currency", type: .string),
    FieldSpec(name: "is_3ds", type: .bool),
    FieldSpec(name: "risk_score", type: .number),
    FieldSpec(name: "merchant_id", type: .string),
]

/// Decodes `bytes` with a fresh event, as a consumer would for its first message.
func decode(
    _ bytes: [UInt8], fields: [FieldSpec] = typicalFields, maximumMessageBytes: Int = 64 * 1024
)
    -> (event: PaymentEvent, failure: DecodeFailure?)
{
    let decoder = EventDecoder(fields: fields, maximumMessageBytes: maximumMessageBytes)
    var event = PaymentEvent(fieldCount: fields.count)
    let failure = bytes.withUnsafeBytes { decoder.decode($0, into: &event) }
    return (event, failure)
}

func decode(_ json: String, fields: [FieldSpec] = typicalFields) -> (event: PaymentEvent, failure: DecodeFailure?) {
    decode(Array(json.utf8), fields: fields)
}

/// A valid event whose members after the required ones are `extra`, e.g. `,"ip":"1.2.3.4"`.
func message(
    id: String = "\"e-1\"", ts: String = "1795774500000", amount: String = "12.5", extra: String = ""
) -> String {
    #"{"event_id":\#(id),"ts":\#(ts),"amount":\#(amount)\#(extra)}"#
}
