import RFB
import Testing

@testable import Agent

/// Tile comparison: changed tiles shrink to the box of their differing pixels.
struct TileDifferTests {
    private func frames() -> (Framebuffer, Framebuffer) {
        var old = Framebuffer(width: 200, height: 100)
        for i in old.pixels.indices { old.pixels[i] = UInt32(i % 251) }
        return (old, old)
    }

    @Test func unchangedFramesHaveNoBoxes() {
        let (old, new) = frames()
        #expect(TileDiffer.changedBoxes(old: old, new: new, hint: nil).isEmpty)
    }

    @Test func aChangeShrinksToItsBoxInEachTile() {
        var (old, new) = frames()
        new[5, 5] = 0xFF_FFFF
        new[40, 50] = 0xFF_FFFF
        new[63, 63] = 0xFF_FFFF  // bottom-right corner of the first tile
        new[199, 99] = 0  // last pixel of the frame, in a partial tile
        old[199, 99] = 1
        #expect(
            TileDiffer.changedBoxes(old: old, new: new, hint: nil) == [
                Rect(x: 5, y: 5, width: 59, height: 59), Rect(x: 199, y: 99, width: 1, height: 1),
            ])
    }

    @Test func boxesFollowTheChangeAcrossTiles() {
        var (old, new) = frames()
        for y in 10..<30 {
            for x in 60..<70 { new[x, y] = 0xFF_FFFF }
        }
        // Rows in the middle that do not differ do not cut the box.
        new[61, 20] = old[61, 20]
        #expect(
            TileDiffer.changedBoxes(old: old, new: new, hint: nil) == [
                Rect(x: 60, y: 10, width: 4, height: 20), Rect(x: 64, y: 10, width: 6, height: 20),
            ])
        var region = DamageRegion(width: 200, height: 100)
        for box in TileDiffer.changedBoxes(old: old, new: new, hint: nil) { region.add(box) }
        #expect(region.take(in: old.bounds) == [Rect(x: 60, y: 10, width: 10, height: 20)])
    }

    @Test func onlyHintedTilesAreCompared() {
        var (old, new) = frames()
        new[5, 5] = 0
        new[150, 70] = 0
        #expect(
            TileDiffer.changedBoxes(
                old: old, new: new, hint: [Rect(x: 140, y: 65, width: 2, height: 2)])
                == [Rect(x: 150, y: 70, width: 1, height: 1)])
        #expect(TileDiffer.changedBoxes(old: old, new: new, hint: []).isEmpty)
        old.resize(width: 10, height: 10)
        #expect(TileDiffer.changedBoxes(old: old, new: new, hint: []) == [new.bounds])
    }
}
