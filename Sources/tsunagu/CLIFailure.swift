/// A failed command: ArgumentParser prints it as `Error: …` and exits with status 1,
/// without the usage text (the arguments were fine; the request was not).
struct CLIFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
