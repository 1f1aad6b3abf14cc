import Fluent

/// Why an agent asked for a session's end (`agent_stopped`, `ended_by_customer`), kept until
/// the relay's report closes the session with it.
struct AddSessionEndRequestReason: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(RemoteSession.schema).field("end_request_reason", .string)
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(RemoteSession.schema).deleteField("end_request_reason").update()
    }
}
