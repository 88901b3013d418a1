/// Reads a named list: one entry per line, `#` starts a comment, blank lines are ignored.
enum ListFile {
    static func entries(_ text: String) -> Set<String> {
        var entries = Set<String>()
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let content = line.prefix { $0 != "#" }
            let entry = content.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            if !entry.isEmpty { entries.insert(String(entry.reversed())) }
        }
        return entries
    }
}
