/// A 64-bit FNV-1a over every file, so the engine can tell whether a reload changed anything.
enum ContentHash {
    /// `rs-` and 16 hex digits; files are hashed in path order, each as path, NUL, contents, NUL.
    static func version(of files: [(path: String, text: String)]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for file in files.sorted(by: { $0.path < $1.path }) {
            mix(file.path.utf8, into: &hash)
            mix(file.text.utf8, into: &hash)
        }
        let digits = String(hash, radix: 16)
        return "rs-" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A digest of what a named list or table holds, whatever the order and layout of its file:
    /// the wrapping sum of each item's hash, with the item count.
    static func digest(of items: some Sequence<String>) -> String {
        var total: UInt64 = 0
        var count: UInt64 = 0
        for item in items {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            mix(item.utf8, into: &hash)
            total &+= hash
            count += 1
        }
        let digits = String(total ^ (count &* 0x9e37_79b9_7f4a_7c15), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func mix(_ bytes: some Sequence<UInt8>, into hash: inout UInt64) {
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        hash = (hash ^ 0) &* 0x0000_0100_0000_01b3
    }
}
