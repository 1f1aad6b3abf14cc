/// A failed admin command: printed as `Error: …` with exit status 1, without the usage text
/// (the arguments were fine; the request was not).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
