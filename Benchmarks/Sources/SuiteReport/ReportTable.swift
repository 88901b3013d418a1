/// Renders figures as a Markdown table, the form `docs/performance.md` keeps them in.
package enum ReportTable {
    package static func render(_ reports: [ScenarioReport]) -> String {
        var rows = [["scenario", "figure", "value", "unit", "target", "verdict", "note"]]
        for report in reports {
            for figure in report.figures {
                rows.append([
                    report.scenario, figure.name, format(figure.value), figure.unit, figure.target ?? "",
                    figure.verdict.rawValue, figure.note,
                ])
            }
        }
        var lines = rows.map { "| " + $0.joined(separator: " | ") + " |" }
        lines.insert("|---|---|---:|---|---|---|---|", at: 1)
        for report in reports {
            lines += report.failures.map { "FAILED (\(report.scenario)): \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// Whole numbers with thousands separators; small values with up to three significant decimals.
    package static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if abs(value) >= 100 { return grouped(Int(value.rounded())) }
        if abs(value) >= 10 { return String(Double(Int((value * 10).rounded())) / 10) }
        return String(Double(Int((value * 1000).rounded())) / 1000)
    }

    private static func grouped(_ number: Int) -> String {
        let digits = Array(String(abs(number)))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return number < 0 ? "-" + text : text
    }
}
