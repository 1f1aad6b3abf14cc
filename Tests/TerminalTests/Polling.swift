import Testing

/// Polls `condition` every 20 ms until it holds or `timeout` passes; records an issue (and
/// returns false) when it never held, so that a test waiting for something fails instead of
/// passing by timing.
@discardableResult
func eventually(
    _ what: String, timeout: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    if try await condition() { return true }
    Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
    return false
}
