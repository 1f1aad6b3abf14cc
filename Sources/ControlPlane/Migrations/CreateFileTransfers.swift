import Fluent
import SQLKit

/// The file-transfer log: one row per transfer an agent reported.
struct CreateFileTransfers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(FileTransferEntry.schema)
            .id()
            .field("tenant_id", .uuid, .required, .references(Tenant.schema, "id"))
            .field("session_id", .uuid, .required)
            .field("device_id", .uuid, .required)
            .field("device_name", .string, .required)
            .field("operator_login", .string, .required)
            .field("direction", .string, .required)
            .field("path", .string, .required)
            .field("size", .int64, .required)
            .field("bytes_moved", .int64, .required)
            .field("resumed_from", .int64, .required)
            .field("sha256", .string)
            .field("outcome", .string, .required)
            .field("failure", .string)
            .field("detail", .string)
            .field("ended_at", .datetime, .required)
            .field("recorded_at", .datetime, .required)
            .create()
        // Admins read a company's transfers by time.
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "file_transfers_tenant_ended")
                .on(FileTransferEntry.schema).column("tenant_id").column("ended_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(FileTransferEntry.schema).delete()
    }
}
