import VigilValues

/// One rule as read from YAML, before its expression is compiled; missing parts were reported.
struct RuleDraft {
    var file: SourceFile
    var position: FilePosition
    var id: String?
    /// Where the id's value is written, for duplicate-id errors.
    var idPosition: FilePosition?
    var description: String?
    var severity: Severity?
    var labels: [String: String] = [:]
    var mode = RuleMode.active
    var cooldownMilliseconds: Int64?
    /// The cooldown as written (`24h`), for people to read.
    var cooldownText: String?
    var expression: String?
    /// File position of every scalar of `expression`, plus one for its end.
    var expressionPositions: [FilePosition] = []
}

/// A `fields:` entry: an event field a rule set adds to the built-in ones.
struct FieldDeclaration {
    var name: String
    var type: ValueType
    var file: SourceFile
    var position: FilePosition
}

/// What one YAML file contributed.
struct RuleFileContent {
    var rules: [RuleDraft] = []
    var fields: [FieldDeclaration] = []
    var diagnostics: [Diagnostic] = []
}
