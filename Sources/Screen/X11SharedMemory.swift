import CXCB
import Glibc

/// A System V shared-memory segment attached both here and in the X server, which
/// `xcb_shm_get_image` fills: the screen arrives without passing through the socket.
///
/// Owned by ``X11Screen``, which drops it before closing the connection it borrows.
final class X11SharedMemory {
    let connection: OpaquePointer
    let segment: xcb_shm_seg_t
    let address: UnsafeMutableRawPointer
    let byteCount: Int

    init(connection: OpaquePointer, byteCount: Int) throws {
        // IPC_PRIVATE is a cast macro Swift does not import; its value is 0.
        let id = shmget(0, max(byteCount, 1), IPC_CREAT | 0o600)
        guard id >= 0 else { throw X11Screen.Error.sharedMemory(operation: "shmget", errno: errno) }
        guard let address = shmat(id, nil, 0), Int(bitPattern: address) != -1 else {
            let code = errno
            shmctl(id, IPC_RMID, nil)
            throw X11Screen.Error.sharedMemory(operation: "shmat", errno: code)
        }
        let segment = xcb_generate_id(connection)
        let cookie = xcb_shm_attach_checked(connection, segment, UInt32(id), 0)
        let error = xcb_request_check(connection, cookie)
        // Once the server holds it, mark the segment for removal: the kernel frees it when
        // both sides detach, even if this process is killed.
        shmctl(id, IPC_RMID, nil)
        if let error {
            let code = error.pointee.error_code
            free(error)
            shmdt(address)
            // A remote display cannot share our memory: MIT-SHM is as good as missing.
            throw X11Screen.Error.requestFailed(request: "ShmAttach", errorCode: code)
        }
        self.connection = connection
        self.segment = segment
        self.address = address
        self.byteCount = byteCount
    }

    deinit {
        xcb_shm_detach(connection, segment)
        xcb_flush(connection)
        shmdt(address)
    }
}
