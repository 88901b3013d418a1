import VigilRules

enum RuleTestSources {
    static func compile(_ yaml: String) throws -> RulePlan {
        try RuleCompiler.compile(sources: [RuleSource(path: "rules.yaml", text: yaml)]).get()
    }
}
