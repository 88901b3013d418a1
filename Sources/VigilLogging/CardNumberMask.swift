/// Masks payment card numbers (PANs) in text, so that no log line ever carries one in full (PCI DSS).
///
/// A candidate is a chain of digit blocks joined by single spaces or dashes (`4111 1111 1111 1111`,
/// `4111-1111-1111-1111`, `4111111111111111`); any 13 to 19 consecutive digits of whole blocks that
/// pass the Luhn check become the first six and last four digits with `*` between them. Blocks are
/// never split, so a 20-digit run stays as it is, and runs failing Luhn (order ids, epoch
/// milliseconds) are left alone. Over-masking an unlucky Luhn-valid id is the accepted cost.
package enum CardNumberMask {
    static let minimumDigits = 13
    static let maximumDigits = 19

    package static func masked(_ text: String) -> String {
        guard text.utf8.lazy.filter(\.isASCIIDigit).count >= minimumDigits else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index].isASCIIDigit else {
                index += 1
                continue
            }
            let chain = DigitChain(bytes: bytes, from: index)
            for match in chain.cardNumbers() {
                output.append(contentsOf: bytes[copied..<match.range.lowerBound])
                output.append(contentsOf: match.masked)
                copied = match.range.upperBound
            }
            index = chain.end
        }
        guard copied > 0 else { return text }
        output.append(contentsOf: bytes[copied...])
        return String(decoding: output, as: UTF8.self)
    }
}

/// A card number found in a chain: where it lies in the text and what replaces it.
struct CardNumberMatch {
    let range: Range<Int>
    let masked: [UInt8]
}

/// Digit blocks separated by single spaces or dashes, starting at a digit.
struct DigitChain {
    private let bytes: [UInt8]
    private(set) var blocks: [Range<Int>] = []

    init(bytes: [UInt8], from start: Int) {
        self.bytes = bytes
        var position = start
        while true {
            var blockEnd = position
            while blockEnd < bytes.count, bytes[blockEnd].isASCIIDigit { blockEnd += 1 }
            blocks.append(position..<blockEnd)
            guard blockEnd + 1 < bytes.count, bytes[blockEnd].isCardSeparator, bytes[blockEnd + 1].isASCIIDigit else { break }
            position = blockEnd + 1
        }
    }

    var end: Int { blocks.last?.upperBound ?? 0 }

    /// Card numbers in the chain, left to right; at each block the longest Luhn-valid span wins.
    func cardNumbers() -> [CardNumberMatch] {
        var matches: [CardNumberMatch] = []
        var first = 0
        while first < blocks.count {
            if let match = longestCardNumber(startingAt: first) {
                matches.append(match.match)
                first = match.nextBlock
            } else {
                first += 1
            }
        }
        return matches
    }

    private func longestCardNumber(startingAt first: Int) -> (match: CardNumberMatch, nextBlock: Int)? {
        var digits: [UInt8] = []
        var candidates: [(last: Int, count: Int)] = []
        for last in first..<blocks.count {
            digits.append(contentsOf: bytes[blocks[last]])
            if digits.count > CardNumberMask.maximumDigits { break }
            if digits.count >= CardNumberMask.minimumDigits { candidates.append((last, digits.count)) }
        }
        for candidate in candidates.reversed() {
            let number = digits.prefix(candidate.count)
            guard Luhn.isValid(number) else { continue }
            let range = blocks[first].lowerBound..<blocks[candidate.last].upperBound
            return (CardNumberMatch(range: range, masked: Self.mask(Array(number))), candidate.last + 1)
        }
        return nil
    }

    private static func mask(_ digits: [UInt8]) -> [UInt8] {
        Array(digits.prefix(6)) + Array(repeating: UInt8(ascii: "*"), count: digits.count - 10) + Array(digits.suffix(4))
    }
}

/// The Luhn (mod 10) check digit test that every card number passes.
enum Luhn {
    static func isValid(_ digits: some BidirectionalCollection<UInt8>) -> Bool {
        var sum = 0
        for (position, byte) in digits.reversed().enumerated() {
            var value = Int(byte &- UInt8(ascii: "0"))
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }
}

extension UInt8 {
    var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isCardSeparator: Bool { self == UInt8(ascii: " ") || self == UInt8(ascii: "-") }
}
