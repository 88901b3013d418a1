/// Ranks `0..<count` drawn with probability proportional to `1 / (rank + 1 + offset)^exponent`
/// (Zipf, or Zipf–Mandelbrot with an offset).
///
/// Real card and merchant populations are skewed: a few entities see much of the traffic while a
/// long tail is seen rarely, which is what makes window state both hot and large. The offset
/// flattens the head, so that the busiest card is busy but not a tenth of all payments. Sampling inverts a
/// precomputed cumulative table by binary search, so a draw costs O(log count) and no allocation.
package struct ZipfDistribution: Sendable {
    private let cumulative: [Double]

    /// `count` is at least one; `exponent` is usually close to 1.
    package init(count: Int, exponent: Double, offset: Double = 0) {
        var running = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(max(count, 1))
        for rank in 0..<max(count, 1) {
            running += 1 / Self.power(Double(rank + 1) + max(offset, 0), exponent)
            cumulative.append(running)
        }
        self.cumulative = cumulative.map { $0 / running }
    }

    package var count: Int { cumulative.count }

    /// The rank whose cumulative probability first reaches a uniform draw from `random`.
    package func sample(using random: inout some RandomNumberGenerator) -> Int {
        let draw = Double(random.next() >> 11) * 0x1p-53
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < draw { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// `base^exponent` for positive `base`, from the standard library alone.
    private static func power(_ base: Double, _ exponent: Double) -> Double {
        guard exponent != 1 else { return base }
        return Self.exp(exponent * Self.log(base))
    }

    /// Natural logarithm by range reduction to [1, 2) and the atanh series.
    private static func log(_ value: Double) -> Double {
        let exponent = Double(value.exponent)
        let mantissa = value.significand
        let ratio = (mantissa - 1) / (mantissa + 1)
        let square = ratio * ratio
        var term = ratio
        var sum = 0.0
        var denominator = 1.0
        while abs(term / denominator) > 1e-17 {
            sum += term / denominator
            term *= square
            denominator += 2
        }
        return 2 * sum + exponent * 0.693_147_180_559_945_3
    }

    /// `e^value` by halving until the Taylor series converges fast, then squaring back.
    private static func exp(_ value: Double) -> Double {
        var reduced = value
        var halvings = 0
        while abs(reduced) > 0.5 {
            reduced /= 2
            halvings += 1
        }
        var term = 1.0
        var sum = 1.0
        for order in 1...20 {
            term *= reduced / Double(order)
            sum += term
        }
        for _ in 0..<halvings { sum *= sum }
        return sum
    }
}
