#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension FilesClient {
    /// What a push or pull of files and folders will do: the folders to make first (parents
    /// before children) and every file with its size, found before anything moves so that
    /// progress can count the whole.
    public struct TransferPlan: Sendable, Hashable {
        /// One file to move.
        public struct Item: Sendable, Hashable {
            public var localPath: String
            public var remotePath: String
            public var size: UInt64
        }

        /// Folders to make at the receiving end, parents first.
        public var folders: [String] = []
        public var files: [Item] = []
        /// Links and special files left out (they are never transferred).
        public var skipped: [String] = []

        /// Bytes of all files.
        public var totalBytes: UInt64 { files.reduce(0) { $0 + $1.size } }
    }

    /// Plans sending local files and folders (recursively) into the remote folder.
    public func planUpload(_ localPaths: [String], into remoteFolder: String) async throws
        -> TransferPlan
    {
        let pool = threadPool
        return try await pool.runIfActive { () throws -> TransferPlan in
            var plan = TransferPlan()
            for local in localPaths {
                let trimmed = Self.trimmingSlashes(local)
                try Self.walkLocal(
                    trimmed, remote: Self.join(remoteFolder, Self.baseName(trimmed)), into: &plan)
            }
            return plan
        }
    }

    /// Plans fetching remote files and folders (recursively) into the local folder.
    public func planDownload(_ remotePaths: [String], into localFolder: String) async throws
        -> TransferPlan
    {
        var plan = TransferPlan()
        for remote in remotePaths {
            let normalised = try FileRoots.normalise(remote)
            let entry = try await stat(normalised)
            try await walkRemote(
                normalised, entry: entry, local: Self.join(localFolder, Self.baseName(normalised)),
                into: &plan)
        }
        return plan
    }

    private func walkRemote(
        _ remote: String, entry: FileEntry, local: String, into plan: inout TransferPlan
    )
        async throws
    {
        switch entry.kind {
        case .file:
            plan.files.append(.init(localPath: local, remotePath: remote, size: entry.size))
        case .folder:
            plan.folders.append(local)
            for child in try await list(remote) {
                try await walkRemote(
                    Self.join(remote, child.name), entry: child,
                    local: Self.join(local, child.name), into: &plan)
            }
        case .symlink, .other:
            plan.skipped.append(remote)
        }
    }

    private static func walkLocal(_ local: String, remote: String, into plan: inout TransferPlan)
        throws(FileError)
    {
        guard let info = try Posix.lstat(local) else {
            throw FileError(.notFound, "\(local) does not exist")
        }
        switch info.kind {
        case .file:
            plan.files.append(
                .init(localPath: local, remotePath: remote, size: UInt64(info.st_size)))
        case .folder:
            plan.folders.append(remote)
            for child in try Posix.listFolder(local) {
                try walkLocal(
                    join(local, child.name), remote: join(remote, child.name), into: &plan)
            }
        case .symlink, .other:
            plan.skipped.append(local)
        }
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    static func baseName(_ path: String) -> String {
        ServerFileOperations.lastComponent(path)
    }

    static func trimmingSlashes(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// Makes a local folder unless it exists (as a folder).
    public static func makeLocalFolder(_ path: String) throws(FileError) {
        do {
            try Posix.makeFolder(path)
        } catch  where error.code == .exists {
            guard try Posix.statFollowingLinks(path)?.kind == .folder else {
                throw FileError(.notAFolder, "\(path) exists and is not a folder")
            }
        }
    }
}
