/// A command that cannot go on, with a message that says why; printed as `Error: …` without
/// the usage text that ArgumentParser adds for a `ValidationError`, since the flags were fine.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}
