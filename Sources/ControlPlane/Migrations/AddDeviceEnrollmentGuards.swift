import Fluent

/// What keeps a device name from being taken over: an admin's permission to enroll it again,
/// the run of the agent holding it, and a record of a second machine showing its key.
struct AddDeviceEnrollmentGuards: AsyncMigration {
    static let fields: [(FieldKey, DatabaseSchema.DataType)] = [
        ("reenroll_allowed_until", .datetime), ("agent_run_id", .string),
        ("key_conflict_at", .datetime), ("key_conflict_address", .string),
    ]

    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds only one at a time.
        for (key, type) in Self.fields {
            try await database.schema(Device.schema).field(key, type).update()
        }
    }

    func revert(on database: any Database) async throws {
        for (key, _) in Self.fields.reversed() {
            try await database.schema(Device.schema).deleteField(key).update()
        }
    }
}
