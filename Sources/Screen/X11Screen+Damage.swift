import CXCB
import Glibc
import RFB

/// Damage without the image: an idle screen costs no capture and no round trip.
extension X11Screen {
    /// The areas drawn since the last capture, without taking the image: no request at all
    /// while the X server sent no DamageNotify, else one round trip to move the damage into
    /// our region and fetch it. Nil after a size change (the next capture is a full frame).
    /// What this returns is also part of the next ``capture(into:)``'s result.
    public func pendingDamage() throws -> [Rect]? {
        try processEvents()
        if geometryStale { try refreshGeometry() }
        guard hasFullFrame, sharedMemory != nil else { return nil }
        if damageNotified {
            damageNotified = false
            xcb_damage_subtract(connection, damage, 0, damageRegion)
            let cookie = xcb_xfixes_fetch_region(connection, damageRegion)
            let region = try reply("XFixesFetchRegion") {
                xcb_xfixes_fetch_region_reply(connection, cookie, $0)
            }
            defer { free(region) }
            peekedDamage += rectangles(of: region)
            if peekedDamage.count > maxDamageRects {
                peekedDamage = [Self.boundingBox(peekedDamage)]
            }
        }
        return peekedDamage
    }

    /// The rectangles of a fetched XFIXES region, clipped to the screen.
    func rectangles(of region: UnsafeMutablePointer<xcb_xfixes_fetch_region_reply_t>) -> [Rect] {
        let count = Int(xcb_xfixes_fetch_region_rectangles_length(region))
        guard count > 0, let rectangles = xcb_xfixes_fetch_region_rectangles(region) else {
            return []
        }
        let screen = Rect(x: 0, y: 0, width: size.width, height: size.height)
        return (0..<count).compactMap { index in
            let r = rectangles[index]
            return Rect(x: Int(r.x), y: Int(r.y), width: Int(r.width), height: Int(r.height))
                .intersection(screen)
        }
    }
}
