import Fluent

/// Which server instance holds a device's agent control connection, so that an instance
/// serving an operator can hand the session offer to the one holding the agent.
struct AddDeviceControlInstance: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Device.schema).field("control_instance", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Device.schema).deleteField("control_instance").update()
    }
}
