import Fluent
import SQLKit

/// Sessions hold channels: one row per relay connection, and the connection log lists them
/// with their bytes. Sessions from before keep their single channel in the session row.
struct CreateSessionChannels: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ChannelConnection.schema)
            .id()
            .field(
                "session_id", .uuid, .required,
                .references(RemoteSession.schema, "id", onDelete: .cascade)
            )
            .field("channel", .string, .required)
            .field("status", .string, .required)
            .field("requested_at", .datetime, .required)
            .field("started_at", .datetime)
            .field("ended_at", .datetime)
            .field("end_reason", .string)
            .field("bytes_from_operator", .int64, .required)
            .field("bytes_from_agent", .int64, .required)
            .field("operator_address", .string)
            .field("agent_address", .string)
            .create()
        // Every relay report and every end looks a session's channels up by its id.
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "session_channels_session_id")
                .on(ChannelConnection.schema).column("session_id").run()
        }
        // Null in records written before: their hash did not cover it, and still does not.
        try await database.schema(ConnectionRecord.schema).field("channels", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ConnectionRecord.schema).deleteField("channels").update()
        try await database.schema(ChannelConnection.schema).delete()
    }
}
