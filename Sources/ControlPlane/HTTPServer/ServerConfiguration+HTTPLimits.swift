extension ServerConfiguration {
    /// `httpLimits` with the body limits the routes declare: `maxBodySize` for all, and the
    /// relay report's larger one, so the front never refuses what a route would take.
    var serverHTTPLimits: HTTPLimits {
        var limits = httpLimits
        limits.maxBodyBytes = maxBodySize
        limits.largerBodies[RelayReportController.path] = RelayReportController.maxBodySize
        return limits
    }
}
