import Foundation
import Vapor

/// Serves the operator's web console: `Public/` at `/` and `/console/…`, noVNC's installed
/// folder at `/novnc/…` and xterm.js's at `/xterm/…`, every answer with a strict
/// Content-Security-Policy.
///
/// Paths are checked component by component (no `..`, no hidden files, no separators hidden
/// in percent escapes), so nothing outside those folders can be read.
struct ConsoleController: RouteCollection {
    /// The console's own files.
    let publicDirectory: String
    /// noVNC's installed folder.
    let novncDirectory: String
    /// xterm.js's folder (`xterm.mjs`, `xterm.css`).
    let xtermDirectory: String

    /// The policy every console answer carries: only our own scripts and styles, no inline
    /// code, WebSockets to relays, no framing.
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'",
        "connect-src 'self' ws: wss:", "img-src 'self' data: blob:", "font-src 'self'",
        "media-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors 'none'",
    ].joined(separator: "; ")

    init(publicDirectory: String, novncDirectory: String, xtermDirectory: String) {
        self.publicDirectory = publicDirectory
        self.novncDirectory = novncDirectory
        self.xtermDirectory = xtermDirectory
    }

    init(configuration: ServerConfiguration) {
        self.init(
            publicDirectory: Self.resolvePublicDirectory(configured: configuration.publicDirectory),
            novncDirectory: configuration.novncDirectory,
            xtermDirectory: configuration.xtermDirectory)
    }

    func boot(routes: any RoutesBuilder) throws {
        let console = routes.grouped(SecurityHeaders())
        console.get(use: index)
        console.get("console", use: index)
        console.get("console", "**") { req in
            try await serve(req, from: publicDirectory, components: req.parameters.getCatchall())
        }
        console.get("novnc", "**") { req in
            try await serve(req, from: novncDirectory, components: req.parameters.getCatchall())
        }
        console.get("xterm", "**") { req in
            try await serve(req, from: xtermDirectory, components: req.parameters.getCatchall())
        }
    }

    private func index(req: Request) async throws -> Response {
        try await serve(req, from: publicDirectory, components: ["index.html"])
    }

    private func serve(_ req: Request, from root: String, components: [String]) async throws
        -> Response
    {
        guard let relative = Self.safeRelativePath(components) else {
            throw APIError(.notFound, "not_found", "No such file.")
        }
        let path = root + "/" + relative
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
            !isDirectory.boolValue
        else {
            throw APIError(.notFound, "not_found", "No such file.")
        }
        let response = try await req.fileio.streamFile(
            at: path, mediaType: Self.mediaType(forPath: relative))
        // Revalidate each time (ETag answers 304): a new server version shows at once.
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        return response
    }

    /// `components` joined with `/` when every one is a plain name, else nil.
    static func safeRelativePath(_ components: [String]) -> String? {
        guard !components.isEmpty else { return nil }
        for component in components {
            guard !component.isEmpty, !component.hasPrefix("."), component.count <= 255,
                !component.contains(where: { $0 == "/" || $0 == "\\" || $0 == "\0" || $0 == "%" })
            else { return nil }
        }
        return components.joined(separator: "/")
    }

    /// The media type by extension; scripts as `text/javascript` so module imports work.
    static func mediaType(forPath path: String) -> HTTPMediaType {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        let utf8 = ["charset": "utf-8"]
        switch ext {
        case "html": return HTTPMediaType(type: "text", subType: "html", parameters: utf8)
        case "js", "mjs":
            return HTTPMediaType(type: "text", subType: "javascript", parameters: utf8)
        case "json": return HTTPMediaType(type: "application", subType: "json", parameters: utf8)
        case "css": return HTTPMediaType(type: "text", subType: "css", parameters: utf8)
        case "svg": return HTTPMediaType(type: "image", subType: "svg+xml")
        case "png": return HTTPMediaType(type: "image", subType: "png")
        case "ico": return HTTPMediaType(type: "image", subType: "x-icon")
        case "woff2": return HTTPMediaType(type: "font", subType: "woff2")
        case "oga", "ogg": return HTTPMediaType(type: "audio", subType: "ogg")
        case "mp3": return HTTPMediaType(type: "audio", subType: "mpeg")
        case "txt", "md": return HTTPMediaType(type: "text", subType: "plain", parameters: utf8)
        default: return HTTPMediaType(type: "application", subType: "octet-stream")
        }
    }

    /// The configured folder; else `./Public`; else `Public/` beside the executable or up to
    /// four folders above it (a `swift build` product in `.build/debug` of the package).
    static func resolvePublicDirectory(configured: String?) -> String {
        if let configured { return configured }
        let fm = FileManager.default
        let cwd = fm.currentDirectoryPath + "/Public"
        if fm.fileExists(atPath: cwd + "/index.html") { return cwd }
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".")
            .resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("Public").path
            if fm.fileExists(atPath: candidate + "/index.html") { return candidate }
            folder.deleteLastPathComponent()
        }
        return cwd
    }
}

/// The browser-security headers of every console answer (errors included).
private struct SecurityHeaders: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response
    {
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch let error as APIError {
            response = Response(status: error.status)
            response.headers.contentType = .plainText
            response.body = .init(string: "\(error.message)\n")
        }
        response.headers.replaceOrAdd(
            name: "Content-Security-Policy", value: ConsoleController.contentSecurityPolicy)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Cross-Origin-Opener-Policy", value: "same-origin")
        response.headers.replaceOrAdd(
            name: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()")
        return response
    }
}
