import Vapor

/// Login and logout for operators (CLI bearer tokens and browser cookies alike).
struct AuthController: RouteCollection {
    let context: ControlPlaneContext
    let secureCookies: Bool

    func boot(routes: any RoutesBuilder) throws {
        let auth = routes.grouped("api", "v1", "auth")
        auth.post("login", use: login)
        let signedIn = auth.grouped(OperatorAuthenticator(context: context))
        signedIn.post("logout", use: logout)
        signedIn.get("me", use: me)
    }

    func login(req: Request) async throws -> Response {
        // JSON only: a form or multipart body is what a page elsewhere can post cross-site
        // without a preflight, and would plant its own login in the operator's browser.
        guard req.headers.contentType == .json else {
            throw APIError(
                .unsupportedMediaType, "json_required",
                "Log in with a JSON body (Content-Type: application/json).")
        }
        let body = try req.content.decode(LoginRequest.self)
        let address = req.clientAddress(context) ?? "unknown"
        let issued = try await context.sessions(on: req.db).login(
            company: body.company, login: body.login, password: body.password, from: address)
        let answer = LoginResponse(
            token: issued.token, csrfToken: issued.csrfToken, expiresAt: issued.expiresAt,
            operator: try OperatorDTO(issued.operator, company: issued.tenant.companyID))
        let response = try await answer.encodeResponse(status: .ok, for: req)
        response.cookies[OperatorAuthenticator.cookieName] = HTTPCookies.Value(
            string: issued.token, expires: issued.expiresAt, path: "/", isSecure: secureCookies,
            isHTTPOnly: true, sameSite: .strict)
        return response
    }

    func logout(req: Request) async throws -> Response {
        let op = try req.requireOperator()
        try await context.sessions(on: req.db).logout(tokenID: op.tokenID)
        let response = Response(status: .noContent)
        response.cookies[OperatorAuthenticator.cookieName] = HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
            isSecure: secureCookies, isHTTPOnly: true, sameSite: .strict)
        return response
    }

    func me(req: Request) async throws -> OperatorDTO {
        let op = try req.requireOperator()
        guard let row = try await Operator.find(op.operatorID, on: req.db) else {
            throw APIError.unauthenticated
        }
        return try OperatorDTO(row, company: op.companyID)
    }
}
