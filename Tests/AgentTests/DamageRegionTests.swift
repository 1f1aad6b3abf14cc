import RFB
import Testing

@testable import Agent

/// One viewer's unsent area: boxes per tile, merged on the way out.
struct DamageRegionTests {
    @Test func wholeTilesMergeIntoOneRectangle() {
        var region = DamageRegion(width: 300, height: 200)
        region.add(Rect(x: 0, y: 0, width: 300, height: 200))
        #expect(region.dirtyCount == 20)
        #expect(
            region.take(in: Rect(x: 0, y: 0, width: 300, height: 200)) == [
                Rect(x: 0, y: 0, width: 300, height: 200)
            ])
        #expect(region.isEmpty)
    }

    @Test func boxesKeepTheirExactExtent() {
        var region = DamageRegion(width: 300, height: 200)
        region.add(Rect(x: 10, y: 10, width: 2, height: 2))
        region.add(Rect(x: 20, y: 30, width: 1, height: 1))
        region.add(Rect(x: 250, y: 150, width: 5, height: 5))
        #expect(
            region.take(in: Rect(x: 0, y: 0, width: 300, height: 200)) == [
                Rect(x: 10, y: 10, width: 11, height: 21),
                Rect(x: 250, y: 150, width: 5, height: 5),
            ])
    }

    @Test func neighboursMergeOnlyWhenLittleIsWasted() {
        var region = DamageRegion(width: 300, height: 200)
        // A window's moving edge: a strip along two tiles, then the tile beside, fully dirty.
        region.add(Rect(x: 0, y: 0, width: 64, height: 64))
        region.add(Rect(x: 64, y: 0, width: 10, height: 60))  // 40 pixels wasted: merged
        region.add(Rect(x: 128, y: 40, width: 64, height: 24))  // not adjacent to the run
        region.add(Rect(x: 192, y: 0, width: 64, height: 10))  // 54 × 64 wasted: kept apart
        #expect(
            region.take(in: Rect(x: 0, y: 0, width: 300, height: 200)) == [
                Rect(x: 0, y: 0, width: 74, height: 64), Rect(x: 128, y: 40, width: 64, height: 24),
                Rect(x: 192, y: 0, width: 64, height: 10),
            ])
    }

    @Test func runsStackWhenTheyTouch() {
        var region = DamageRegion(width: 300, height: 200)
        region.add(Rect(x: 30, y: 50, width: 100, height: 100))
        #expect(
            region.take(in: Rect(x: 0, y: 0, width: 300, height: 200)) == [
                Rect(x: 30, y: 50, width: 100, height: 100)
            ])
        // A gap between rows: two rectangles.
        region.add(Rect(x: 0, y: 0, width: 64, height: 10))
        region.add(Rect(x: 0, y: 70, width: 64, height: 10))
        #expect(region.take(in: Rect(x: 0, y: 0, width: 300, height: 200)).count == 2)
    }

    @Test func takeClipsToTheArea() {
        var region = DamageRegion(width: 300, height: 200)
        region.add(Rect(x: 0, y: 0, width: 300, height: 200))
        #expect(
            region.take(in: Rect(x: 10, y: 10, width: 20, height: 20)) == [
                Rect(x: 10, y: 10, width: 20, height: 20)
            ])
        #expect(region.dirtyCount == 19)
    }
}
