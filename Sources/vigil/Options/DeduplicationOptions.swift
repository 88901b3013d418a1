import ArgumentParser

/// `--deduplicate-within`, shared by `vigil run`, which keeps the ids, and `vigil rules check`
/// and `explain`, which count their memory in the estimate as `run --state-budget` does.
struct DeduplicationOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Remember each event id for this long in event time, and dead-letter a second delivery of it as duplicate_event instead of counting it again.",
        discussion: "Off by default: every delivery counts. Memory grows with rate x duration, about 68-92 bytes per id held whatever its length.",
        valueName: "duration"))
    var deduplicateWithin: HumanDuration?
}
