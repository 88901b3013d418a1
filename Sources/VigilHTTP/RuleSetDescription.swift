/// The active rule set as `GET /rules` shows it: what each rule says and how often it decided what.
///
/// Keys are snake_case, as in the alert contract, so that one consumer reads both the same way.
package struct RuleSetDescription: Codable, Sendable, Equatable {
    package struct Rule: Codable, Sendable, Equatable {
        package var id: String
        package var description: String
        package var severity: String
        /// `active` (alerts go to the alert topic) or `shadow` (to the shadow topic).
        package var mode: String
        package var expression: String
        /// The cooldown as written in the rule file (`10m`), when the rule has one.
        package var cooldown: String?
        package var counts: Counts

        package init(
            id: String, description: String, severity: String, mode: String, expression: String, cooldown: String?, counts: Counts
        ) {
            self.id = id
            self.description = description
            self.severity = severity
            self.mode = mode
            self.expression = expression
            self.cooldown = cooldown
            self.counts = counts
        }
    }

    package struct Counts: Codable, Sendable, Equatable {
        package var matched: Int
        package var fired: Int
        package var suppressed: Int
        /// Evaluations that could not decide because a field or aggregate was missing.
        package var unknown: Int

        package init(matched: Int = 0, fired: Int = 0, suppressed: Int = 0, unknown: Int = 0) {
            self.matched = matched
            self.fired = fired
            self.suppressed = suppressed
            self.unknown = unknown
        }
    }

    package struct Reloads: Codable, Sendable, Equatable {
        package var applied: Int
        package var rejected: Int
        /// The diagnostics of the last rejected rule set.
        package var lastError: String?

        package init(applied: Int = 0, rejected: Int = 0, lastError: String? = nil) {
            self.applied = applied
            self.rejected = rejected
            self.lastError = lastError
        }

        private enum CodingKeys: String, CodingKey {
            case applied, rejected, lastError = "last_error"
        }
    }

    /// A named list (`rules/lists/<name>.txt`) and the rules that read it.
    package struct NamedList: Codable, Sendable, Equatable {
        package var name: String
        package var entries: Int
        package var usedBy: [String]

        package init(name: String, entries: Int, usedBy: [String]) {
            self.name = name
            self.entries = entries
            self.usedBy = usedBy
        }

        private enum CodingKeys: String, CodingKey {
            case name, entries, usedBy = "used_by"
        }
    }

    /// A lookup table (`rules/tables/<name>.txt`) and the rules that read it.
    package struct Table: Codable, Sendable, Equatable {
        package var name: String
        package var rows: Int
        /// The value of its `*` row, for keys no row names; absent when a key without a row is unknown.
        package var defaultValue: String?
        package var usedBy: [String]

        package init(name: String, rows: Int, defaultValue: String?, usedBy: [String]) {
            self.name = name
            self.rows = rows
            self.defaultValue = defaultValue
            self.usedBy = usedBy
        }

        private enum CodingKeys: String, CodingKey {
            case name, rows, defaultValue = "default", usedBy = "used_by"
        }
    }

    package var version: String
    /// RFC 3339 UTC time the set came into force, when known.
    package var loadedAt: String?
    package var rules: [Rule]
    /// Every list and table of the set, read by a rule or not, by name.
    package var lists: [NamedList]
    package var tables: [Table]
    package var reloads: Reloads
    /// The partitions (`payments[3]`) still reading their history again to fill the windows the
    /// last reload started; empty once every partition is live. Their new rules run meanwhile, but
    /// their live events wait.
    package var backfillingPartitions: [String]

    package init(
        version: String, loadedAt: String? = nil, rules: [Rule], lists: [NamedList] = [], tables: [Table] = [],
        reloads: Reloads = Reloads(), backfillingPartitions: [String] = []
    ) {
        self.version = version
        self.loadedAt = loadedAt
        self.rules = rules
        self.lists = lists
        self.tables = tables
        self.reloads = reloads
        self.backfillingPartitions = backfillingPartitions
    }

    private enum CodingKeys: String, CodingKey {
        case version, loadedAt = "loaded_at", rules, lists, tables, reloads, backfillingPartitions = "backfilling_partitions"
    }
}

/// The answer of `POST /rules/reload`.
package struct RuleReloadResult: Codable, Sendable, Equatable {
    package enum Outcome: String, Codable, Sendable {
        case applied, unchanged, rejected
    }

    package var outcome: Outcome
    /// The version in force afterwards; absent when rejected.
    package var version: String?
    /// The rendered diagnostics of a rejected set.
    package var diagnostics: String?

    package init(outcome: Outcome, version: String? = nil, diagnostics: String? = nil) {
        self.outcome = outcome
        self.version = version
        self.diagnostics = diagnostics
    }
}
